import { existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import * as v from 'valibot';
import { permanent } from '../errors.js';
import { taskType } from './type.js';

/**
 * `backup`: what `logline backup FILE` writes (a tar with a manifest and the database, copied with SQLite's online
 * backup API while the node keeps writing; `logline restore` reads it), to an absolute path. `{ts}` in the path
 * becomes the run's time (`20261128T130253Z`), for schedules. Key files are not included: a task has no passphrase.
 */
export const backup = taskType({
  name: 'backup',
  description: 'a backup of the node database, as `logline backup` writes it: {"path": "/abs/node-{ts}.tar", "overwrite"?: false}',
  schema: v.strictObject({
    path: v.pipe(v.string(), v.check((p) => isAbsolute(p), 'the path must be absolute')),
    overwrite: v.optional(v.boolean()),
  }),
  defaults: { maxAttempts: 3, backoffMs: 10_000, backoffMaxMs: 10 * 60_000, timeoutMs: 30 * 60_000, onCrash: 'retry' },
  ownerOnly: true,
  async run(payload, ctx) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const out = payload.path.replaceAll('{ts}', stamp);
    if (existsSync(out) && !payload.overwrite) throw permanent('BACKUP_EXISTS', `${out} exists`, 'use {ts} in the path, or pass "overwrite": true');
    mkdirSync(dirname(out), { recursive: true });
    const { backup: write } = await import('../../ops/backup.js');
    const r = await write({ db: ctx.paths.db, out, force: payload.overwrite, configFile: ctx.paths.configFile });
    return { data: { path: r.file, bytes: r.bytes } };
  },
});

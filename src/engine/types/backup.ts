import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import * as v from 'valibot';
import { permanent } from '../errors.js';
import { taskType } from './type.js';

/**
 * `backup`: SQLite's online backup of the node's database (better-sqlite3 `db.backup()`) to an absolute path,
 * while the node keeps writing. `{ts}` in the path becomes the run's time (`20261128T130253Z`), for schedules.
 */
export const backup = taskType({
  name: 'backup',
  description: 'online backup of the node database: {"path": "/abs/path/node-{ts}.db", "overwrite"?: false}',
  schema: v.strictObject({
    path: v.pipe(v.string(), v.check((p) => isAbsolute(p), 'the path must be absolute')),
    overwrite: v.optional(v.boolean()),
  }),
  defaults: { maxAttempts: 3, backoffMs: 10_000, backoffMaxMs: 10 * 60_000, timeoutMs: 30 * 60_000, onCrash: 'retry' },
  ownerOnly: true,
  async run(payload, ctx) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const path = payload.path.replaceAll('{ts}', stamp);
    if (existsSync(path) && !payload.overwrite) throw permanent('BACKUP_EXISTS', `${path} exists`, 'use {ts} in the path, or pass "overwrite": true');
    mkdirSync(dirname(path), { recursive: true });
    const { totalPages } = await ctx.db.backup(path);
    return { data: { path, pages: totalPages, bytes: statSync(path).size } };
  },
});

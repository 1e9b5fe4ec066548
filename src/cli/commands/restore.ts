import { resolve } from 'node:path';
import type { Command } from 'commander';
import { restore, type RestoreReport } from '../../ops/restore.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import { promptSecret } from '../prompt.js';

export default function register(program: Command): void {
  program
    .command('restore')
    .description('replace the node\'s database with a backup\'s, after verifying the backup; the old database is kept aside')
    .argument('<file>', 'a backup written by `logline backup`')
    .option('--keys', 'also restore the key files of the backup (sealed: needs its passphrase); keys already here are kept')
    .addHelpText('after', `
Before anything changes, restore checks the backup: the archive and its manifest, the database's sha256,
SQLite's integrity check, the schema, the span counts, and every span's id, signature and chain. A damaged,
cut or foreign file changes nothing. It refuses while a daemon runs on the home (\`logline node stop\` first),
and holds the daemon lock meanwhile. The database that was here is moved to
<data>/logline.db.before-restore-<time> (with its WAL), and the counts per tenant before and after are printed.
A backup of an older schema is brought forward; config.toml is restored only when the home has none.

Example:
  logline node stop && logline restore node.tar && logline node start`)
    .action(async (file: string, opts: { keys?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.rawHome();
      const passphrase = opts.keys ? ctx.passphrase() ?? await promptSecret('passphrase of the backup\'s keys: ') : undefined;
      let shown: string | undefined;
      let bar: ReturnType<typeof ctx.out.progress> | undefined;
      const report = await restore({
        file: resolve(file), paths: home.paths, keystore: home.keystore, keys: opts.keys, passphrase, crypto: home.crypto,
        onProgress: (phase, done, total) => {
          if (phase !== shown) {
            shown = phase;
            bar = ctx.out.progress(phase === 'copy' ? 'restore: copy' : 'restore: verify', { unit: phase === 'copy' ? 'bytes' : 'spans' });
          }
          bar?.update(done, { total });
        },
      });
      ctx.out.endProgress();
      if (ctx.out.json) return ctx.out.data(report);
      print(ctx, report);
    });
}

function print(ctx: Context, r: RestoreReport): void {
  const b = r.backup;
  ctx.out.line(`restored ${r.file} (made ${b.created} by logline ${b.logline}, schema ${b.schema})`);
  ctx.out.line(`  verified ${b.spans} spans: ids, signatures and chains${b.forks ? ` (${b.forks} forks kept as evidence)` : ''}`);
  if (r.migrated) ctx.out.line(`  brought forward from schema ${r.migrated.from} to ${r.migrated.to}`);
  if (r.previous) ctx.out.line(`  the previous database is kept at ${r.previous}${r.beforeState === 'unreadable' ? ' (it could not be read)' : ''}`);
  else ctx.out.line('  there was no database here before');
  ctx.out.line(`  ${'tenant'.padEnd(24)} ${'before'.padStart(10)} ${'after'.padStart(10)}`);
  for (const c of r.changes) {
    const known = r.beforeState !== 'unreadable';
    const delta = c.after - c.before;
    ctx.out.line(`  ${c.tenant.padEnd(24)} ${(known ? String(c.before) : '?').padStart(10)} ${String(c.after).padStart(10)}${known && delta !== 0 ? `  (${delta > 0 ? '+' : ''}${delta})` : ''}`);
  }
  if (r.keys) ctx.out.line(`  keys: ${[...r.keys.restored.map((h) => `${h} restored`), ...r.keys.present.map((h) => `${h} already here`)].join(', ') || 'none'}`);
  if (r.config === 'restored') ctx.out.line('  config.toml restored');
}

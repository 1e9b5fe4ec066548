import { getPriority, setPriority } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { backup } from '../../ops/backup.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import { formatBytes } from '../format.js';
import { promptNewSecret } from '../prompt.js';

export default function register(program: Command): void {
  program
    .command('backup')
    .description('write a consistent backup of the node\'s database to one file, while the daemon keeps writing')
    .argument('<file>', 'the backup file to write (a tar: manifest.json, logline.db, config.toml, keys.sealed.json)')
    .option('--keys', 'also include the key files, sealed with a passphrase (--passphrase-file or LOGLINE_PASSPHRASE; asked on a terminal)')
    .option('--force', 'overwrite the file if it exists')
    .addHelpText('after', `
The copy is made with SQLite's online backup API from a read connection of this process: a running daemon
is not paused (WAL lets it write meanwhile) and the copy is one consistent snapshot. The process runs at a
lower CPU priority (nice +10), so that on a busy machine the daemon's appends come first. manifest.json records
the logline version, the schema, span counts per tenant and the sha256 of the database copy.
Without --keys the backup holds no private key; keep the key files safe some other way.

Examples:
  logline backup /srv/backups/node-$(date +%F).tar
  LOGLINE_PASSPHRASE=… logline backup --keys node.tar
  logline restore node.tar`)
    .action(async (file: string, opts: { keys?: boolean; force?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.home();
      const out = resolve(file);
      const keys = opts.keys ? { bundle: { v: 1 as const, keys: home.keystore.rawFiles() }, passphrase: await backupPassphrase(ctx) } : undefined;
      yieldCpu();
      const started = Date.now();
      const bar = ctx.out.progress('backup', { unit: 'pages' });
      const result = await backup({
        db: home.paths.db, out, force: opts.force, configFile: home.paths.configFile, keys,
        onProgress: (done, total) => bar.update(done, { total }),
      });
      ctx.out.endProgress();
      const seconds = (Date.now() - started) / 1000;
      const m = result.manifest;
      if (ctx.out.json) return ctx.out.data({ file: result.file, bytes: result.bytes, seconds, manifest: m });
      ctx.out.line(`wrote ${result.file} (${formatBytes(result.bytes)}, ${seconds.toFixed(2)} s)`);
      ctx.out.line(`  ${m.spans} spans in ${m.tenants.length} tenant${m.tenants.length === 1 ? '' : 's'}, ${m.forks} forks, schema ${m.schema.version}, logline ${m.logline}`);
      for (const t of m.tenants) ctx.out.line(`  ${t.tenant.padEnd(24)} ${String(t.spans).padStart(10)}`);
      ctx.out.line(`  database sha256 ${m.db.sha256}`);
      if (m.keys) ctx.out.line(`  keys: ${m.keys.handles.join(', ')} included, sealed with your passphrase (${m.keys.encryption})`);
      else ctx.out.info('no private keys are in this backup (add --keys to include them, sealed with a passphrase)');
    });
}

async function backupPassphrase(ctx: Context): Promise<string> {
  return ctx.passphrase() ?? promptNewSecret('passphrase to seal the keys in the backup: ');
}

/** Backups are background work: this process lowers its CPU priority (nice +10), so the daemon's appends come first. */
function yieldCpu(): void {
  try {
    setPriority(Math.min(19, getPriority() + 10));
  } catch {
    // not allowed here: the backup runs at the normal priority
  }
}

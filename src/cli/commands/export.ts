import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { QueryFilters } from '../../api/types.js';
import type { LoglineClient } from '../../client/types.js';
import { LoglineError } from '../../errors/errors.js';
import { contextOf } from '../context.js';
import { addFilterOptions, filtersFromFlags, type FilterFlags } from '../filter-flags.js';

/** How many spans an export of these filters writes, when the node's per-tenant counts tell it (no other filter). */
async function exportTotal(client: LoglineClient, filters: QueryFilters): Promise<number | undefined> {
  const others = Object.keys(filters).filter((k) => k !== 'tenant');
  if (others.length > 0) return undefined;
  const { tenants } = await client.status();
  return tenants.filter((t) => filters.tenant === undefined || t.tenant === filters.tenant).reduce((n, t) => n + t.spans, 0);
}

export default function register(program: Command): void {
  addFilterOptions(program.command('export').description('write spans as NDJSON (one signed span per line, oldest first)'), false)
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText('after', `
Example:
  logline export --since 7d > week.ndjson`)
    .action(async (flags: FilterFlags & { output?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const filters = filtersFromFlags(ctx, flags);
      const client = await ctx.client();
      const sink: Writable = flags.output ? createWriteStream(flags.output, { flags: 'wx' }) : process.stdout;
      const opened = new Promise<void>((resolve, reject) => {
        if (!flags.output) return resolve();
        sink.once('open', () => resolve());
        sink.once('error', (e: NodeJS.ErrnoException) => reject(new LoglineError('EXPORT_FAILED', `cannot write ${flags.output}: ${e.code ?? e.message}`, { hint: e.code === 'EEXIST' ? 'the file exists: choose another name' : undefined })));
      });
      await opened;
      const bar = ctx.out.progress('export');
      if (bar.active) bar.update(0, { total: await exportTotal(client, filters) });
      let n = 0;
      let chunk = '';
      for await (const line of client.exportLines(filters)) {
        chunk += `${line}\n`;
        if (++n % 1000 === 0) {
          if (!sink.write(chunk)) await new Promise((r) => sink.once('drain', r));
          chunk = '';
          bar.update(n);
        }
      }
      sink.write(chunk);
      ctx.out.endProgress();
      if (flags.output) await new Promise<void>((resolve) => sink.end(resolve));
      ctx.out.info(`exported ${n} spans`);
    });
}

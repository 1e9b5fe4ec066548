import type { Command } from 'commander';
import type { QueryFilters } from '../../api/types.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import { addFilterOptions, filtersFromFlags, type FilterFlags } from '../filter-flags.js';
import { spanLine } from '../format.js';

export default function register(program: Command): void {
  addFilterOptions(program.command('timeline').description('list spans, newest first, one page at a time'))
    .option('--ndjson', 'print one span per line as JSON (the export format)')
    .action(async (flags: FilterFlags & { ndjson?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      await printPage(ctx, filtersFromFlags(ctx, flags), flags.ndjson === true);
    });
}

/** Prints one page of spans as lines, NDJSON or JSON, and how to get the next one. */
export async function printPage(ctx: Context, filters: QueryFilters, ndjson: boolean): Promise<void> {
  const page = await (await ctx.client()).query(filters);
  if (ctx.out.json) return ctx.out.data(page);
  for (const span of page.spans) ctx.out.line(ndjson ? JSON.stringify(span) : spanLine(span, ctx.out));
  if (page.next) ctx.out.info(`more: --cursor ${page.next}`);
  else if (page.spans.length === 0 && !ndjson) ctx.out.info('no spans');
}

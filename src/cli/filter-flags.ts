import { Option, type Command } from 'commander';
import type { QueryFilters } from '../api/types.js';
import { STATUSES } from '../timeline/span.js';
import type { Context } from './context.js';
import { collect, parseIntFlag, parseTime } from './parse.js';

export interface FilterFlags {
  author?: string;
  since?: string;
  until?: string;
  status?: string;
  tag?: string[];
  contract?: string;
  workflow?: string;
  flow?: string;
  limit?: string;
  cursor?: string;
  allTenants?: boolean;
}

/** The filters of `timeline`, shared by `search` and `export`. */
export function addFilterOptions(cmd: Command, paging = true): Command {
  cmd
    .option('--author <did>', 'only spans signed by this did:key')
    .option('--since <time>', 'only spans at or after this time (RFC 3339, a date, or an age like 2h, 7d)')
    .option('--until <time>', 'only spans before this time')
    .addOption(new Option('--status <status>', 'only spans with this status').choices(STATUSES))
    .option('--tag <tag>', 'only spans with this tag (repeatable: all must match)', collect)
    .option('--contract <id>', 'only spans of this contract')
    .option('--workflow <id>', 'only spans of this workflow')
    .option('--flow <id>', 'only spans of this flow')
    .option('--all-tenants', 'every tenant of this node, not only the current one');
  if (paging) {
    cmd.option('--limit <n>', 'spans per page (1–1000, default 50)').option('--cursor <cursor>', 'continue after a previous page');
  }
  return cmd;
}

export function filtersFromFlags(ctx: Context, f: FilterFlags): QueryFilters {
  const filters: QueryFilters = {};
  if (!f.allTenants) filters.tenant = ctx.tenant();
  if (f.author !== undefined) filters.author = f.author;
  if (f.since !== undefined) filters.since = parseTime(f.since, '--since');
  if (f.until !== undefined) filters.until = parseTime(f.until, '--until');
  if (f.status !== undefined) filters.status = f.status;
  if (f.tag !== undefined) filters.tags = f.tag;
  if (f.contract !== undefined) filters.contract = f.contract;
  if (f.workflow !== undefined) filters.workflow = f.workflow;
  if (f.flow !== undefined) filters.flow = f.flow;
  if (f.limit !== undefined) filters.limit = parseIntFlag(f.limit, '--limit');
  if (f.cursor !== undefined) filters.cursor = f.cursor;
  return filters;
}

import type { Command } from 'commander';
import type { ApiEvent } from '../../api/routes.js';
import type { QueryFilters } from '../../api/types.js';
import type { Span } from '../../timeline/span.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import { addFilterOptions, filtersFromFlags, type FilterFlags } from '../filter-flags.js';
import { spanLine } from '../format.js';
import { parseIntFlag } from '../parse.js';
import { canDrawView, loadView } from '../views.js';
import type * as TailView from '../../ui/tail.js';

interface TailFlags extends FilterFlags { lines?: string; follow?: boolean }

export default function register(program: Command): void {
  addFilterOptions(program.command('tail').description('print the latest spans, oldest first; with -f, follow new ones as they commit (local or replicated)'), false)
    .option('-n, --lines <n>', 'how many of the latest spans to print first (default 10; 0 for none)')
    .option('-f, --follow', 'keep printing spans as they commit, until Ctrl-C (a live view on a terminal)')
    .addHelpText('after', `
With --json, one span per line (NDJSON), also with -f. Replicated spans are marked with the peer they came from.
Without the daemon, -f watches the store for commits of other processes.

Examples:
  logline tail -f --status executed
  logline tail -f --json | jq .title`)
    .action(async (flags: TailFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const filters = filtersFromFlags(ctx, flags);
      const lines = flags.lines === undefined ? 10 : parseIntFlag(flags.lines, '--lines', 0);
      if (!flags.follow) {
        for (const span of await latest(ctx, filters, lines)) print(ctx, span, null);
        return;
      }
      await follow(ctx, filters, lines);
    });
}

async function latest(ctx: Context, filters: QueryFilters, n: number): Promise<Span[]> {
  if (n === 0) return [];
  return (await (await ctx.client()).query({ ...filters, cursor: undefined, limit: Math.min(n, 1000) })).spans.reverse();
}

function print(ctx: Context, span: Span, from: string | null): void {
  if (ctx.out.json) return ctx.out.line(JSON.stringify(from === null ? span : { ...span, received_from: from }));
  ctx.out.line(from === null ? spanLine(span, ctx.out) : `${spanLine(span, ctx.out)} ${ctx.out.paint('90', `<- ${from.slice(0, 16)}`)}`);
}

/** The latest spans, then every new one: the stream is opened first, so that nothing committed in between is lost. */
async function follow(ctx: Context, filters: QueryFilters, n: number): Promise<void> {
  const client = await ctx.client();
  const stop = new AbortController();
  const events = client.subscribe(filters, stop.signal)[Symbol.asyncIterator]();
  await events.next(); // the hello: from here on, every commit reaches this stream
  const first = await latest(ctx, filters, n);
  const seen = new Set(first.map((s) => s.id));
  const spans = async function* (): AsyncIterable<{ span: Span; from: string | null }> {
    for (let r = await events.next(); !r.done; r = await events.next()) {
      const e: ApiEvent = r.value;
      if (e.type === 'span' && !seen.has(e.span.id)) yield { span: e.span, from: e.from };
    }
  };
  if (canDrawView(ctx.out.json)) {
    const view = await loadView<typeof TailView>('tail');
    await view.runTail({ initial: first.map((span) => ({ span, from: null })), spans: spans(), stop, via: client.kind, filters: describe(filters), showTenant: filters.tenant === undefined });
    return;
  }
  const quit = () => stop.abort();
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
  process.stdout.on('error', quit); // a reader that went away (`| head`) ends the tail quietly
  try {
    for (const span of first) print(ctx, span, null);
    for await (const { span, from } of spans()) print(ctx, span, from);
  } finally {
    process.off('SIGINT', quit);
    process.off('SIGTERM', quit);
  }
}

/** The filters in words, for the live view's header. */
function describe(f: QueryFilters): string {
  const parts = [f.tenant ?? 'all tenants'];
  for (const key of ['author', 'status', 'contract', 'workflow', 'flow', 'since', 'until'] as const) if (f[key] !== undefined) parts.push(`${key} ${f[key]}`);
  for (const tag of f.tags ?? []) parts.push(`#${tag}`);
  return parts.join(' · ');
}

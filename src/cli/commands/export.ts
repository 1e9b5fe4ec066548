import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Option, type Command } from 'commander';
import type { QueryFilters } from '../../api/types.js';
import type { LoglineClient } from '../../client/types.js';
import { LoglineError } from '../../errors/errors.js';
import type { Span } from '../../timeline/span.js';
import { contextOf } from '../context.js';
import { addFilterOptions, filtersFromFlags, type FilterFlags } from '../filter-flags.js';

/** Spans per OTLP request line: well under the body limits of collectors and of `POST /v1/traces`. */
const OTLP_BATCH = 500;

type Flags = FilterFlags & { output?: string; format: 'ndjson' | 'otlp' };

/** How many spans an export of these filters writes, when the node's per-tenant counts tell it (no other filter). */
async function exportTotal(client: LoglineClient, filters: QueryFilters): Promise<number | undefined> {
  const others = Object.keys(filters).filter((k) => k !== 'tenant');
  if (others.length > 0) return undefined;
  const { tenants } = await client.status();
  return tenants.filter((t) => filters.tenant === undefined || t.tenant === filters.tenant).reduce((n, t) => n + t.spans, 0);
}

export default function register(program: Command): void {
  addFilterOptions(program.command('export').description('write spans as NDJSON (one signed span per line, oldest first), or as OTLP/JSON traces'), false)
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addOption(new Option('--format <format>', 'ndjson (signed spans, for `logline import`) or otlp (OpenTelemetry traces)').choices(['ndjson', 'otlp']).default('ndjson'))
    .addHelpText('after', `
With --format otlp each line is one OTLP/JSON ExportTraceServiceRequest of up to ${OTLP_BATCH} spans (the file
format of the collector's otlpjsonfile receiver; each line can also be POSTed to any /v1/traces). The signature
travels as attributes: logline.id, logline.sig, logline.author and logline.body (the signed body).

Examples:
  logline export --since 7d > week.ndjson
  logline export --format otlp --tag deploy > deploys.otlp.jsonl`)
    .action(async (flags: Flags, cmd: Command) => {
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
      const otlp = flags.format === 'otlp' ? { spans: 0 } : undefined;
      const lines = otlp ? otlpLines(client.exportLines(filters), otlp) : client.exportLines(filters);
      const every = otlp ? 2 : 1000;
      let n = 0;
      let chunk = '';
      for await (const line of lines) {
        chunk += `${line}\n`;
        if (++n % every === 0) {
          if (!sink.write(chunk)) await new Promise((r) => sink.once('drain', r));
          chunk = '';
          bar.update(otlp ? otlp.spans : n);
        }
      }
      sink.write(chunk);
      ctx.out.endProgress();
      if (flags.output) await new Promise<void>((resolve) => sink.end(resolve));
      ctx.out.info(otlp ? `exported ${otlp.spans} spans as ${n} OTLP requests` : `exported ${n} spans`);
    });
}

/** Wire lines as OTLP request lines of up to OTLP_BATCH spans (the OTel mapping is loaded only for this format). */
async function* otlpLines(wire: AsyncIterable<string>, count: { spans: number }): AsyncIterable<string> {
  const { OtlpWriter } = await import('../../otel/from-logline.js');
  const writer = new OtlpWriter();
  let batch: Span[] = [];
  for await (const line of wire) {
    batch.push(JSON.parse(line) as Span);
    count.spans++;
    if (batch.length === OTLP_BATCH) {
      yield JSON.stringify(writer.request(batch));
      batch = [];
    }
  }
  if (batch.length > 0) yield JSON.stringify(writer.request(batch));
}

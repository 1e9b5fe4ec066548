import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import type { ImportReport } from '../../api/types.js';
import type { IngestItem, LoglineClient } from '../../client/types.js';
import { LoglineError } from '../../errors/errors.js';
import { contextOf } from '../context.js';

const BATCH = 1000;
/** Batches in flight: one is stored while the next is verified (the node stores them in order). */
const IN_FLIGHT = 2;

export default function register(program: Command): void {
  program
    .command('import')
    .description('import signed spans from NDJSON: every line is verified; bad lines are reported and skipped')
    .argument('<file>', 'an NDJSON file, or - for stdin')
    .addHelpText('after', `
Re-importing is idempotent: spans already here count as duplicates. Exit 1 when any line was rejected.

Example:
  logline import week.ndjson`)
    .action(async (file: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const client = await ctx.client();
      const started = Date.now();
      const bar = ctx.out.progress('import', { unit: 'lines' });
      const size = file === '-' || !bar.active ? undefined : fileSize(file);
      const report = await importLines(client, file, (n, bytes) => bar.update(n, { fraction: size && bytes !== undefined ? Math.min(1, bytes / size) : undefined }));
      ctx.out.endProgress();
      if (ctx.out.json) ctx.out.data(report);
      else {
        for (const r of report.rejected) ctx.out.line(`line ${r.line}: ${r.code}: ${r.message}`);
        const secs = (Date.now() - started) / 1000;
        ctx.out.line(`${report.lines} lines: ${report.stored} stored, ${report.duplicates} duplicates, ${report.forks} forks, ${report.rejected.length} rejected (${secs.toFixed(2)} s)`);
      }
      if (report.rejected.length > 0) process.exitCode = 1;
    });
}

/**
 * Streams the file in batches. A span whose chain predecessor comes later in the file is retried after
 * the rest, so a file need not be in chain order. `onProgress` gets the lines and the bytes read so far.
 */
export async function importLines(client: LoglineClient, file: string, onProgress: (lines: number, bytes?: number) => void): Promise<ImportReport> {
  const input = file === '-' ? process.stdin : createReadStream(file);
  const failed = new Promise<never>((_, reject) => input.once('error', (e: NodeJS.ErrnoException) =>
    reject(new LoglineError('IMPORT_FAILED', `cannot read ${file}: ${e.code ?? e.message}`, { hint: 'check the path' }))));
  const report: ImportReport = { lines: 0, stored: 0, duplicates: 0, forks: 0, rejected: [] };
  let deferred: { line: number; span: unknown }[] = [];
  let batch: { line: number; span: unknown }[] = [];
  const flush = async (items: { line: number; span: unknown }[], final: boolean) => {
    if (items.length === 0) return;
    const results = await client.ingest(items.map((i) => i.span));
    results.forEach((r, i) => count(report, r, items[i], final ? null : deferred));
  };
  const inflight: Promise<void>[] = [];
  const { createInterface } = await import('node:readline');
  const reading = (async () => {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      const line = ++report.lines;
      if (text.trim() === '') continue;
      let span: unknown;
      try {
        span = JSON.parse(text);
      } catch (e) {
        report.rejected.push({ line, code: 'BAD_JSON', message: (e as Error).message });
        continue;
      }
      batch.push({ line, span });
      if (batch.length >= BATCH) {
        inflight.push(flush(batch, false));
        batch = [];
        if (inflight.length >= IN_FLIGHT) await inflight.shift();
        onProgress(line, (input as { bytesRead?: number }).bytesRead);
      }
    }
    inflight.push(flush(batch, false));
    await Promise.all(inflight);
  })();
  await Promise.race([reading, failed]);
  // retry spans that arrived before their predecessors, until a pass stores nothing new
  while (deferred.length > 0) {
    const again = deferred;
    deferred = [];
    const before = report.stored;
    again.sort((a, b) => ((a.span as { seq: number }).seq - (b.span as { seq: number }).seq));
    for (let i = 0; i < again.length; i += BATCH) await flush(again.slice(i, i + BATCH), false);
    if (report.stored === before) {
      for (const item of deferred) report.rejected.push({ line: item.line, code: 'CHAIN_GAP', message: 'the previous span of its chain is neither here nor in the file' });
      deferred = [];
    }
  }
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

function fileSize(file: string): number | undefined {
  try {
    return statSync(file).size || undefined;
  } catch {
    return undefined; // importLines reports the missing file
  }
}

function count(report: ImportReport, r: IngestItem, item: { line: number; span: unknown }, deferred: { line: number; span: unknown }[] | null): void {
  if (r.outcome !== 'rejected') report[r.outcome === 'stored' ? 'stored' : r.outcome === 'fork' ? 'forks' : 'duplicates']++;
  else if (r.code === 'CHAIN_GAP' && deferred !== null) deferred.push(item);
  else report.rejected.push({ line: item.line, code: r.code, message: r.message });
}

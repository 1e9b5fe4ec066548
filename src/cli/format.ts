import type { Span } from '../timeline/span.js';
import type { Output } from './output.js';

const STATUS_COLOR: Record<string, string> = { executed: '32', simulated: '36', reverted: '33', ghost: '90' };

/** One line per span for people: time, short id, status, title, tags. */
export function spanLine(span: Span, out: Output): string {
  const tags = span.tags?.length ? ` ${out.paint('35', span.tags.map((t) => `#${t}`).join(' '))}` : '';
  const status = out.paint(STATUS_COLOR[span.status] ?? '0', span.status.padEnd(9));
  const where = span.visibility === 'private' ? out.paint('90', ' (private)') : '';
  return `${out.paint('2', span.ts)}  ${out.paint('33', span.id.slice(0, 12))}  ${status} ${span.title}${tags}${where}`;
}

/** Every field of a span, one per line. */
export function spanBlock(span: Span, out: Output): string {
  const rows: [string, unknown][] = [
    ['id', span.id], ['author', span.author], ['tenant', span.tenant],
    ['seq', span.seq === null ? 'none (private)' : span.prev ? `${span.seq} (prev ${span.prev.slice(0, 12)})` : span.seq],
    ['ts', span.ts], ['title', span.title], ['status', span.status], ['kind', span.kind], ['visibility', span.visibility],
    ['logline_id', span.logline_id], ['tags', span.tags?.join(', ')], ['related', span.related?.join(', ')],
    ['contract_id', span.contract_id], ['workflow_id', span.workflow_id], ['flow_id', span.flow_id],
    ['caused_by', span.caused_by], ['delta_s', span.delta_s], ['replay_from', span.replay_from], ['replay_count', span.replay_count],
    ['data', span.data === undefined ? undefined : JSON.stringify(span.data)],
    ['metadata', span.metadata === undefined ? undefined : JSON.stringify(span.metadata)],
    ['sig', span.sig],
  ];
  return rows.filter(([, v]) => v !== undefined).map(([k, v]) => `${out.paint('2', k.padEnd(12))} ${String(v)}`).join('\n');
}

/** A byte count for people: 532 B, 12.3 MB, 1.20 GB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
}

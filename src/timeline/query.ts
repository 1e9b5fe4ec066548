import { LoglineError } from '../errors/errors.js';
import type { Page, QueryFilters } from '../api/types.js';
import { id8, SPAN_SELECT, type SpanRow, type SpansRepo } from '../store/spans-repo.js';
import { wireSpan } from './wire.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

/** Newest first (by `ts`, then local row order), one page at a time. */
export function queryTimeline(repo: SpansRepo, filters: QueryFilters): Page {
  const limit = filters.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw LoglineError.usage('BAD_LIMIT', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  const { where, args } = filterClause(repo, filters);
  if (filters.cursor !== undefined) {
    const c = decodeCursor(filters.cursor);
    where.push('(s.ts, s.id8, s.rid) < (?, ?, ?)');
    args.push(c.ts, c.id8, c.rid);
  }
  // ts, then the id: every node that holds the same spans lists them in the same order
  const sql = `${SPAN_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.ts DESC, s.id8 DESC, s.rid DESC LIMIT ?`;
  const rows = repo.db.prepare(sql).all(...args, limit + 1) as SpanRow[];
  const more = rows.length > limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { spans: rows.map(rowSpan), next: more && last ? encodeCursor(last.ts, last.id, last.rid) : null };
}

/** Every matching row in local order (oldest first), which keeps each chain in `seq` order: the export order. */
export function iterateRows(repo: SpansRepo, filters: QueryFilters): IterableIterator<SpanRow> {
  const { where, args } = filterClause(repo, filters);
  const sql = `${SPAN_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.rid`;
  return repo.db.prepare(sql).iterate(...args) as IterableIterator<SpanRow>;
}

function filterClause(repo: SpansRepo, filters: QueryFilters): { where: string[]; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filters.tenant !== undefined) { where.push('s.tenant = ?'); args.push(filters.tenant); }
  if (filters.author !== undefined) { where.push('s.author = ?'); args.push(repo.findAuthorId(filters.author) ?? -1); }
  if (filters.since !== undefined) { where.push('s.ts >= ?'); args.push(filters.since); }
  if (filters.until !== undefined) { where.push('s.ts < ?'); args.push(filters.until); }
  if (filters.status !== undefined) { where.push('s.status = ?'); args.push(filters.status); }
  if (filters.contract !== undefined) { where.push('s.contract_id = ?'); args.push(filters.contract); }
  if (filters.workflow !== undefined) { where.push('s.workflow_id = ?'); args.push(filters.workflow); }
  if (filters.flow !== undefined) { where.push('s.flow_id = ?'); args.push(filters.flow); }
  for (const tag of filters.tags ?? []) { where.push('s.rid IN (SELECT rid FROM span_tags WHERE tag = ?)'); args.push(tag); }
  if (filters.text !== undefined) { where.push('s.rid IN (SELECT rowid FROM spans_fts WHERE spans_fts MATCH ?)'); args.push(ftsQuery(filters.text)); }
  return { where, args };
}

export function rowSpan(row: SpanRow): ReturnType<typeof wireSpan> {
  return wireSpan(row.body, row.id.toString('hex'), row.sig.toString('hex'));
}

/** Quotes each word so that user text is never parsed as FTS5 syntax; words are ANDed. */
function ftsQuery(text: string): string {
  const words = text.split(/\s+/).filter(Boolean).map((w) => `"${w.replaceAll('"', '""')}"`);
  if (words.length === 0) throw LoglineError.usage('BAD_SEARCH', 'the search text is empty');
  return words.join(' ');
}

function encodeCursor(ts: string, id: Buffer, rid: number): string {
  return Buffer.from(`${ts}|${id8(id)}|${rid}`).toString('base64url');
}

function decodeCursor(cursor: string): { ts: string; id8: bigint; rid: number } {
  const [ts, i8, rid] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!ts || !i8 || !rid || !/^-?\d+$/.test(i8) || !/^\d+$/.test(rid)) {
    throw LoglineError.usage('BAD_CURSOR', 'the cursor is not one this node gave out', 'pass the `next` value of a previous page unchanged');
  }
  return { ts, id8: BigInt(i8), rid: Number(rid) };
}

const PREFIX = /^[0-9a-f]{4,64}$/;

/**
 * A stored span (or fork evidence) by full id or unique prefix. With `tenant`, spans of other tenants do not
 * exist: one is "not found" exactly as a missing id is and never makes a prefix ambiguous, so that a caller
 * scoped to one tenant learns nothing of another.
 */
export function findSpanRow(repo: SpansRepo, ref: string, tenant?: string): SpanRow {
  const hex = ref.toLowerCase();
  if (!PREFIX.test(hex)) throw LoglineError.usage('BAD_SPAN_REF', `"${ref}" is not a span id or id prefix`, 'give at least 4 hex characters of the id');
  let rows: SpanRow[];
  if (hex.length === 64) {
    const row = repo.byId(Buffer.from(hex, 'hex'));
    rows = row ? [row] : [];
  } else {
    rows = repo.byIdRange(Buffer.from(hex.padEnd(64, '0'), 'hex'), Buffer.from(hex.padEnd(64, 'f'), 'hex'), tenant);
  }
  if (tenant !== undefined) rows = rows.filter((r) => r.tenant === tenant);
  if (rows.length > 1) throw new LoglineError('SPAN_AMBIGUOUS', `more than one span id starts with ${hex}`, { hint: 'give more characters of the id' });
  if (rows.length === 0) throw new LoglineError('SPAN_NOT_FOUND', `no span ${hex}`, { hint: '`logline timeline` lists the spans of a tenant' });
  return rows[0];
}

import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

/** A stored span row as the repository returns it (ids as raw bytes). */
export interface SpanRow {
  rid: number;
  id: Buffer;
  sig: Buffer;
  author: string;
  tenant: string;
  seq: number | null;
  prev: Buffer | null;
  ts: string;
  body: string;
  received_at: number;
  received_from: string | null;
}

export interface NewSpanRow {
  id: Buffer;
  sig: Buffer;
  author: string;
  tenant: string;
  seq: number | null;
  prev: Buffer | null;
  ts: string;
  title: string;
  status: string;
  kind: string;
  visibility: string;
  contract_id: string | null;
  workflow_id: string | null;
  flow_id: string | null;
  caused_by: Buffer | null;
  body: string;
  tags: readonly string[];
  /** Text indexed for search besides the title (the data object as JSON). */
  searchData: string;
  received_at: number;
  received_from: string | null;
}

export interface ForkRow {
  id: Buffer;
  sig: Buffer;
  author: string;
  tenant: string;
  seq: number;
  canonical_id: Buffer;
  body: string;
  received_at: number;
  received_from: string | null;
}

const ROW_COLUMNS = 's.rid, s.id, s.sig, a.did AS author, s.tenant, s.seq, s.prev, s.ts, s.body, s.received_at, s.received_from';
export const SPAN_SELECT = `SELECT ${ROW_COLUMNS} FROM spans s JOIN authors a ON a.id = s.author`;
/** SPAN_SELECT plus the interned author number as `aix` (for keyset paging over the chain index). */
export const SPAN_SELECT_AIX = `SELECT ${ROW_COLUMNS}, s.author AS aix FROM spans s JOIN authors a ON a.id = s.author`;

const SQL = {
  authorGet: 'SELECT id FROM authors WHERE did = ?',
  authorPut: 'INSERT INTO authors (did) VALUES (?)',
  head: 'SELECT seq, id FROM spans WHERE author = ? AND tenant = ? AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1',
  atSeq: 'SELECT id FROM spans WHERE author = ? AND tenant = ? AND seq = ?',
  hasId: 'SELECT 1 FROM spans WHERE id8 = ? AND id = ? UNION ALL SELECT 1 FROM forks WHERE id = ? LIMIT 1',
  insert: `INSERT INTO spans (id, id8, sig, author, tenant, seq, prev, ts, title, status, kind, visibility, contract_id,
    workflow_id, flow_id, caused_by, body, received_at, received_from)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertTag: 'INSERT INTO span_tags (tag, rid) VALUES (?, ?)',
  insertFts: 'INSERT INTO spans_fts (rowid, title, data) VALUES (?, ?, ?)',
  insertFork: `INSERT INTO forks (id, sig, author, tenant, seq, canonical_id, body, received_at, received_from)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  byId: `${SPAN_SELECT} WHERE s.id8 = ? AND s.id = ?`,
  byIdRange: `${SPAN_SELECT} WHERE s.id8 BETWEEN ? AND ? AND s.id BETWEEN ? AND ? LIMIT 2`,
  byIdRangeInTenant: `${SPAN_SELECT} WHERE s.id8 BETWEEN ? AND ? AND s.id BETWEEN ? AND ? AND s.tenant = ? LIMIT 2`,
  forkById: `SELECT f.rid, f.id, f.sig, a.did AS author, f.tenant, f.seq, NULL AS prev, '' AS ts, f.body, f.received_at, f.received_from
    FROM forks f JOIN authors a ON a.id = f.author WHERE f.id = ?`,
  count: 'SELECT count(*) AS n FROM spans',
};

const SIGN_FLIP = 0x8000000000000000n;

/** The first 8 bytes of an id as a signed 64-bit integer that sorts as the bytes do. */
export function id8(id: Buffer): bigint {
  return id.readBigUInt64BE(0) - SIGN_FLIP;
}

/** Typed access to the span tables; the only place that writes them. */
export class SpansRepo {
  readonly db: Db;
  private readonly authorIds = new Map<string, number>();
  private readonly prepared = new Map<keyof typeof SQL, Statement>();

  constructor(db: Db) {
    this.db = db;
  }

  /** Statements are prepared on first use: a one-shot CLI command uses only a few. */
  private stmt(name: keyof typeof SQL): Statement {
    let st = this.prepared.get(name);
    if (st === undefined) {
      st = this.db.prepare(SQL[name]);
      this.prepared.set(name, st);
    }
    return st;
  }

  /** The interned integer of an author did, created on first use. */
  authorId(did: string): number {
    let id = this.authorIds.get(did);
    if (id === undefined) {
      const row = this.stmt('authorGet').get(did) as { id: number } | undefined;
      id = row ? row.id : Number(this.stmt('authorPut').run(did).lastInsertRowid);
      this.authorIds.set(did, id);
    }
    return id;
  }

  /** Existing interned id, without creating one (for queries). */
  findAuthorId(did: string): number | undefined {
    return this.authorIds.get(did) ?? (this.stmt('authorGet').get(did) as { id: number } | undefined)?.id;
  }

  head(author: string, tenant: string): { seq: number; id: Buffer } | undefined {
    return this.stmt('head').get(this.authorId(author), tenant) as { seq: number; id: Buffer } | undefined;
  }

  idAtSeq(author: string, tenant: string, seq: number): Buffer | undefined {
    return (this.stmt('atSeq').get(this.authorId(author), tenant, seq) as { id: Buffer } | undefined)?.id;
  }

  has(id: Buffer): boolean {
    return this.stmt('hasId').get(id8(id), id, id) !== undefined;
  }

  insert(row: NewSpanRow): number {
    const rid = Number(this.stmt('insert').run(row.id, id8(row.id), row.sig, this.authorId(row.author), row.tenant, row.seq, row.prev, row.ts,
      row.title, row.status, row.kind, row.visibility, row.contract_id, row.workflow_id, row.flow_id, row.caused_by,
      row.body, row.received_at, row.received_from).lastInsertRowid);
    for (const tag of row.tags) this.stmt('insertTag').run(tag, rid);
    this.stmt('insertFts').run(rid, row.title, row.searchData);
    return rid;
  }

  insertFork(row: ForkRow): void {
    this.stmt('insertFork').run(row.id, row.sig, this.authorId(row.author), row.tenant, row.seq, row.canonical_id, row.body,
      row.received_at, row.received_from);
  }

  byId(id: Buffer): SpanRow | undefined {
    return (this.stmt('byId').get(id8(id), id) as SpanRow | undefined) ?? (this.stmt('forkById').get(id) as SpanRow | undefined);
  }

  /** Rows whose id lies in [lo, hi] (of one tenant when given); at most two, to detect an ambiguous prefix. */
  byIdRange(lo: Buffer, hi: Buffer, tenant?: string): SpanRow[] {
    const args = [id8(lo), id8(hi), lo, hi];
    return (tenant === undefined ? this.stmt('byIdRange').all(...args) : this.stmt('byIdRangeInTenant').all(...args, tenant)) as SpanRow[];
  }

  count(): number {
    return (this.stmt('count').get() as { n: number }).n;
  }
}

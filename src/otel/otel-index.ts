import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import type { Span, SpanDraft } from '../timeline/span.js';
import { isOtelSpanId, isTraceId } from './ids.js';

/** The OTel ids a span body carries in `data.otel`, when they are well-formed. */
export function otelIdsOf(data: Record<string, unknown> | undefined): { traceId: string; spanId?: string; parentId?: string } | null {
  const otel = data?.otel as Record<string, unknown> | undefined;
  if (otel === null || typeof otel !== 'object' || !isTraceId(otel.trace_id)) return null;
  return {
    traceId: otel.trace_id,
    spanId: isOtelSpanId(otel.span_id) ? otel.span_id : undefined,
    parentId: isOtelSpanId(otel.parent_span_id) ? otel.parent_span_id : undefined,
  };
}

const hex = (s: string) => Buffer.from(s, 'hex');

/**
 * The local index otel (tenant, trace id, span id) → logline span id (migration 0005): filled from `data.otel` of
 * every span that commits (local, imported or replicated), read to give a child its parent's `caused_by`.
 */
export class OtelIndex {
  private stmts: { insert: Statement; find: Statement } | undefined;

  constructor(private readonly db: Db) {}

  private get sql(): { insert: Statement; find: Statement } {
    this.stmts ??= {
      insert: this.db.prepare('INSERT OR IGNORE INTO otel_spans (tenant, trace_id, span_id, span, parent_id) VALUES (?, ?, ?, ?, ?)'),
      find: this.db.prepare('SELECT span FROM otel_spans WHERE tenant = ? AND trace_id = ? AND span_id = ?').pluck(),
    };
    return this.stmts;
  }

  /** A commit listener: records the otel ids of committed spans (the first span to claim an id keeps it). */
  record(spans: readonly Span[]): void {
    for (const s of spans) {
      const ids = otelIdsOf(s.data);
      if (ids?.spanId === undefined) continue;
      this.sql.insert.run(s.tenant, hex(ids.traceId), hex(ids.spanId), hex(s.id), ids.parentId === undefined ? null : hex(ids.parentId));
    }
  }

  /** The logline id of the span that carries this otel span in the tenant. */
  find(tenant: string, traceId: string, spanId: string): string | undefined {
    return (this.sql.find.get(tenant, hex(traceId), hex(spanId)) as Buffer | undefined)?.toString('hex');
  }

  /**
   * Drafts whose `data.otel` names a parent span that is a known logline span get that span as `caused_by` (unless
   * they already have one). Drafts without otel ids are returned as they are, at the cost of one property read.
   */
  linkParents<D extends SpanDraft & { tenant: string }>(drafts: readonly D[]): D[] {
    return drafts.map((d) => {
      if (d?.data?.otel === undefined || d.caused_by !== undefined || typeof d.tenant !== 'string') return d;
      const ids = otelIdsOf(d.data);
      const parent = ids?.parentId === undefined ? undefined : this.find(d.tenant, ids.traceId, ids.parentId);
      return parent === undefined ? d : { ...d, caused_by: parent };
    });
  }
}

const indexes = new WeakMap<Db, OtelIndex>();

/** The index of a store (one per connection). */
export function otelIndex(db: Db): OtelIndex {
  let index = indexes.get(db);
  if (!index) indexes.set(db, (index = new OtelIndex(db)));
  return index;
}

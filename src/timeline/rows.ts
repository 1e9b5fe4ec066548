import type { NewSpanRow } from '../store/spans-repo.js';
import type { Span } from './span.js';

/** The row a signed span is stored as; `body` is its canonical body, already computed by the caller. */
export function spanRow(span: Span, body: string, receivedFrom: string | null): NewSpanRow {
  return {
    id: Buffer.from(span.id, 'hex'),
    sig: Buffer.from(span.sig, 'hex'),
    author: span.author,
    tenant: span.tenant,
    seq: span.seq,
    prev: span.prev === null ? null : Buffer.from(span.prev, 'hex'),
    ts: span.ts,
    title: span.title,
    status: span.status,
    kind: span.kind,
    visibility: span.visibility,
    contract_id: span.contract_id ?? null,
    workflow_id: span.workflow_id ?? null,
    flow_id: span.flow_id ?? null,
    caused_by: span.caused_by === undefined ? null : Buffer.from(span.caused_by, 'hex'),
    body,
    tags: span.tags ?? [],
    searchData: span.data === undefined ? '' : JSON.stringify(span.data),
    received_at: Date.now(),
    received_from: receivedFrom,
  };
}

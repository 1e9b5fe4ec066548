import type { QueryFilters } from '../api/types.js';
import type { Span } from './span.js';

/** Whether a span passes the filters of `timeline` that apply to one span (used by live streams). */
export function matchesFilters(span: Span, f: QueryFilters): boolean {
  if (f.tenant !== undefined && span.tenant !== f.tenant) return false;
  if (f.author !== undefined && span.author !== f.author) return false;
  if (f.status !== undefined && span.status !== f.status) return false;
  if (f.contract !== undefined && span.contract_id !== f.contract) return false;
  if (f.workflow !== undefined && span.workflow_id !== f.workflow) return false;
  if (f.flow !== undefined && span.flow_id !== f.flow) return false;
  if (f.since !== undefined && span.ts < f.since) return false;
  if (f.until !== undefined && span.ts >= f.until) return false;
  for (const tag of f.tags ?? []) if (!span.tags?.includes(tag)) return false;
  return true;
}

import { formatTraceparent, newOtelSpanId, newTraceId, parseTraceparent } from '../otel/ids.js';
import type { Output } from './output.js';

/** The W3C trace context of a `log` or `run`: this span's OTel ids, and the `traceparent` its children get. */
export interface SpanTrace {
  /** What goes into `data.otel`: the node links `parent_span_id` to a known logline span as `caused_by`. */
  otel: { trace_id: string; span_id: string; parent_span_id?: string };
  /** `TRACEPARENT` for commands run under this span. */
  traceparent: string;
}

/**
 * The trace context from `TRACEPARENT` (W3C): this span joins that trace as a child of its parent span. Without
 * one, `log` records no OTel ids (null) and `run` starts a trace (`start`), so that nested calls build a tree.
 * An invalid value is ignored with a warning, as the W3C spec asks.
 */
export function spanTrace(env: NodeJS.ProcessEnv, out: Output, start: boolean): SpanTrace | null {
  const raw = env.TRACEPARENT;
  const parent = parseTraceparent(raw);
  if (raw !== undefined && raw !== '' && parent === null) out.warn(`TRACEPARENT "${raw.slice(0, 80)}" is not a W3C traceparent; ignored`);
  if (parent === null && !start) return null;
  const traceId = parent?.traceId ?? newTraceId();
  const spanId = newOtelSpanId();
  return {
    otel: { trace_id: traceId, span_id: spanId, ...(parent ? { parent_span_id: parent.parentId } : {}) },
    traceparent: formatTraceparent(traceId, spanId, parent?.flags ?? '01'),
  };
}

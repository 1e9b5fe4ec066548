/**
 * OpenTelemetry ids and W3C trace context (`traceparent`). No Node built-ins and no imports: `logline log` loads
 * this on every start.
 */

/** 32 hex: a trace id (16 bytes); 16 hex: a span id (8 bytes). All-zero ids are invalid (W3C trace context). */
export const TRACE_ID = /^[0-9a-f]{32}$/;
export const SPAN_ID = /^[0-9a-f]{16}$/;

export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID.test(value) && !/^0+$/.test(value);
}

export function isOtelSpanId(value: unknown): value is string {
  return typeof value === 'string' && SPAN_ID.test(value) && !/^0+$/.test(value);
}

function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const x of b) out += x.toString(16).padStart(2, '0');
  return /^0+$/.test(out) ? randomHex(bytes) : out;
}

export const newTraceId = (): string => randomHex(16);
export const newOtelSpanId = (): string => randomHex(8);

/** A parsed `traceparent`: the trace, the parent span in it, and the trace flags (e.g. `01`, sampled). */
export interface TraceContext {
  traceId: string;
  parentId: string;
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses a W3C `traceparent` header value; null when it is absent or invalid (the caller then starts a new trace). */
export function parseTraceparent(value: string | undefined): TraceContext | null {
  if (value === undefined) return null;
  const m = TRACEPARENT.exec(value.trim());
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return null;
  if (!isTraceId(m[2]) || !isOtelSpanId(m[3])) return null;
  return { traceId: m[2], parentId: m[3], flags: m[4] };
}

export function formatTraceparent(traceId: string, spanId: string, flags = '01'): string {
  return `00-${traceId}-${spanId}-${flags}`;
}

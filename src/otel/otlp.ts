import { attributesToJson, badOtlp } from './attributes.js';
import { isOtelSpanId, isTraceId } from './ids.js';

/** OTLP span kinds and status codes by their proto number (the JSON mapping may also send the enum name). */
export const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export const STATUS_CODES = ['UNSET', 'OK', 'ERROR'] as const;
/** 10000-01-01T00:00:00.000Z: a span's ts has four year digits. */
const MAX_MS = 253_402_300_800_000n;

/** One OTel span of a request, checked and normalised (lower-case hex ids, nanoseconds as bigint, attributes as JSON). */
export interface OtelSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: (typeof SPAN_KINDS)[number];
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  status: { code: (typeof STATUS_CODES)[number]; message?: string };
  resource: Record<string, unknown>;
  scope: { name?: string; version?: string };
  events: { name: string; time_unix_nano: string; attributes?: Record<string, unknown> }[];
  links: { trace_id: string; span_id: string; attributes?: Record<string, unknown> }[];
  traceState?: string;
  /** Where it was in the request, for messages. */
  path: string;
}

/**
 * Checks an OTLP/JSON ExportTraceServiceRequest and returns its spans. Any wrong shape is a `BAD_OTLP` error naming
 * the field (`resourceSpans[0].scopeSpans[1].spans[3].spanId …`), so that a request is taken whole or not at all.
 */
export function parseOtlpTraces(value: unknown): OtelSpan[] {
  const req = object(value, 'the body');
  const out: OtelSpan[] = [];
  array(req.resourceSpans, 'resourceSpans').forEach((rs, i) => {
    const rpath = `resourceSpans[${i}]`;
    const r = object(rs, rpath);
    const resource = r.resource === undefined ? {} : attributesToJson(object(r.resource, `${rpath}.resource`).attributes, `${rpath}.resource.attributes`);
    array(r.scopeSpans, `${rpath}.scopeSpans`).forEach((ss, j) => {
      const spath = `${rpath}.scopeSpans[${j}]`;
      const s = object(ss, spath);
      const scope = s.scope === undefined ? {} : object(s.scope, `${spath}.scope`);
      const scopeInfo = { name: optString(scope.name, `${spath}.scope.name`), version: optString(scope.version, `${spath}.scope.version`) };
      array(s.spans, `${spath}.spans`).forEach((sp, k) => out.push(parseSpan(sp, `${spath}.spans[${k}]`, resource, scopeInfo)));
    });
  });
  return out;
}

function parseSpan(value: unknown, path: string, resource: Record<string, unknown>, scope: OtelSpan['scope']): OtelSpan {
  const s = object(value, path);
  const traceId = hexId(s.traceId, `${path}.traceId`, 32);
  const spanId = hexId(s.spanId, `${path}.spanId`, 16);
  const parentSpanId = s.parentSpanId === undefined || s.parentSpanId === '' || s.parentSpanId === null ? null : hexId(s.parentSpanId, `${path}.parentSpanId`, 16);
  if (typeof s.name !== 'string') throw badOtlp(`${path}.name is not a string`);
  const startNs = nanos(s.startTimeUnixNano, `${path}.startTimeUnixNano`);
  const endNs = s.endTimeUnixNano === undefined ? startNs : nanos(s.endTimeUnixNano, `${path}.endTimeUnixNano`);
  if (startNs === 0n) throw badOtlp(`${path}.startTimeUnixNano is missing`);
  if (endNs < startNs) throw badOtlp(`${path} ends before it starts`);
  if (startNs / 1_000_000n >= MAX_MS) throw badOtlp(`${path}.startTimeUnixNano is after the year 9999`);
  const span: OtelSpan = {
    traceId, spanId, parentSpanId, name: s.name,
    kind: enumValue(s.kind, SPAN_KINDS, 'SPAN_KIND_', `${path}.kind`, 'UNSPECIFIED'),
    startNs, endNs,
    attributes: attributesToJson(s.attributes, `${path}.attributes`),
    status: parseStatus(s.status, `${path}.status`),
    resource, scope,
    events: s.events === undefined ? [] : array(s.events, `${path}.events`).map((e, i) => {
      const ev = object(e, `${path}.events[${i}]`);
      const attributes = attributesToJson(ev.attributes, `${path}.events[${i}].attributes`);
      return { name: optString(ev.name, `${path}.events[${i}].name`) ?? '', time_unix_nano: String(nanos(ev.timeUnixNano ?? 0, `${path}.events[${i}].timeUnixNano`)), ...(Object.keys(attributes).length ? { attributes } : {}) };
    }),
    links: s.links === undefined ? [] : array(s.links, `${path}.links`).map((l, i) => {
      const lk = object(l, `${path}.links[${i}]`);
      const attributes = attributesToJson(lk.attributes, `${path}.links[${i}].attributes`);
      return { trace_id: hexId(lk.traceId, `${path}.links[${i}].traceId`, 32), span_id: hexId(lk.spanId, `${path}.links[${i}].spanId`, 16), ...(Object.keys(attributes).length ? { attributes } : {}) };
    }),
    path,
  };
  const traceState = optString(s.traceState, `${path}.traceState`);
  if (traceState) span.traceState = traceState;
  return span;
}

function parseStatus(value: unknown, path: string): OtelSpan['status'] {
  if (value === undefined || value === null) return { code: 'UNSET' };
  const st = object(value, path);
  const code = enumValue(st.code, STATUS_CODES, 'STATUS_CODE_', `${path}.code`, 'UNSET');
  const message = optString(st.message, `${path}.message`);
  return message ? { code, message } : { code };
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badOtlp(`${path} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Repeated fields may be omitted (empty) in the JSON mapping. */
function array(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badOtlp(`${path} is not an array`);
  return v;
}

function optString(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badOtlp(`${path} is not a string`);
  return v;
}

function hexId(v: unknown, path: string, length: 16 | 32): string {
  const hex = typeof v === 'string' ? v.toLowerCase() : v;
  const ok = length === 32 ? isTraceId(hex) : isOtelSpanId(hex);
  if (!ok) throw badOtlp(`${path} is not ${length} hex characters (${length / 2} bytes, not all zero): ${JSON.stringify(v)?.slice(0, 80)}`);
  return hex as string;
}

/** A fixed64 as the JSON mapping sends it: a decimal string, or a number. */
function nanos(v: unknown, path: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) {
    const n = BigInt(v);
    if (n < 2n ** 64n) return n;
  }
  throw badOtlp(`${path} is not a time in nanoseconds since the epoch`);
}

function enumValue<T extends string>(v: unknown, names: readonly T[], prefix: string, path: string, fallback: T): T {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < names.length) return names[v];
  if (typeof v === 'string' && v.startsWith(prefix) && names.includes(v.slice(prefix.length) as T)) return v.slice(prefix.length) as T;
  throw badOtlp(`${path} ${JSON.stringify(v)} is not one of ${names.map((n) => prefix + n).join(', ')}`);
}

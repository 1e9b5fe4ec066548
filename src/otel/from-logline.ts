import { canonicalJson } from '../timeline/jcs.js';
import type { Span } from '../timeline/span.js';
import { VERSION } from '../version.js';
import { jsonToAttributes, type KeyValue } from './attributes.js';
import { isOtelSpanId, isTraceId } from './ids.js';
import { otelIdsOf } from './otel-index.js';
import { SPAN_KINDS, STATUS_CODES } from './otlp.js';
import { ATTR } from './to-logline.js';

type OtlpSpan = Record<string, unknown>;
type Ids = { traceId: string; spanId: string };

/**
 * Logline spans as OTLP/JSON (SPEC §2 mapping, the inverse of `draftFromOtel`): title → name, ts/delta_s → start/end
 * (the exact nanoseconds of `data.otel` when present), caused_by → parentSpanId, data → attributes, the OTel ids,
 * kind, status, resource and scope from `data.otel`. Spans born in logline get ids derived from theirs (trace: the
 * first 16 bytes of the root's id, span: the first 8 bytes of its own). The signature travels as attributes:
 * `logline.id`, `logline.sig`, `logline.author` and `logline.body` (the signed canonical body), enough for
 * `logline/verify` to check the span from the trace alone.
 */
export class OtlpWriter {
  /** OTel ids of the spans seen so far, by logline id, so that a child names its parent's OTel span id. */
  private readonly seen = new Map<string, Ids>();

  /** One ExportTraceServiceRequest for these spans, grouped by resource and scope. */
  request(spans: readonly Span[]): { resourceSpans: unknown[] } {
    const groups = new Map<string, { resource: Record<string, unknown>; scope: Record<string, unknown>; spans: OtlpSpan[] }>();
    for (const span of spans) {
      const otel = (span.data?.otel ?? {}) as Record<string, unknown>;
      const resource = isObject(otel.resource) ? otel.resource : { 'service.name': 'logline' };
      const scope = isObject(otel.scope) ? scopeOf(otel.scope) : { name: 'logline', version: VERSION };
      const key = canonicalJson([resource, scope]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { resource, scope, spans: [] }));
      g.spans.push(this.span(span, otel));
    }
    return {
      resourceSpans: [...groups.values()].map((g) => ({
        resource: { attributes: jsonToAttributes(g.resource) },
        scopeSpans: [{ scope: g.scope, spans: g.spans }],
      })),
    };
  }

  private span(span: Span, otel: Record<string, unknown>): OtlpSpan {
    const ids = otelIdsOf(span.data);
    const parent = span.caused_by === undefined ? undefined : this.seen.get(span.caused_by);
    const traceId = ids?.traceId ?? parent?.traceId ?? (span.caused_by ?? span.id).slice(0, 32);
    const spanId = ids?.spanId ?? span.id.slice(0, 16);
    const parentSpanId = ids?.parentId ?? parent?.spanId ?? span.caused_by?.slice(0, 16);
    this.seen.set(span.id, { traceId, spanId });
    const startMs = BigInt(Date.parse(span.ts));
    const exactStart = nanosOf(otel.start_time_unix_nano);
    const startNs = exactStart !== undefined && exactStart / 1_000_000n === startMs ? exactStart : startMs * 1_000_000n;
    const endNs = nanosOf(otel.end_time_unix_nano) ?? startNs + BigInt(Math.round((span.delta_s ?? 0) * 1e9));
    const { otel: _otel, ...data } = span.data ?? {};
    const status = isObject(otel.status) ? otel.status : undefined;
    const out: OtlpSpan = {
      traceId, spanId, ...(parentSpanId ? { parentSpanId } : {}),
      name: span.title,
      kind: Math.max(1, SPAN_KINDS.indexOf(otel.kind as (typeof SPAN_KINDS)[number])),
      startTimeUnixNano: String(startNs),
      endTimeUnixNano: String(endNs > startNs ? endNs : startNs),
      attributes: [...jsonToAttributes(data), ...this.loglineAttributes(span)],
      status: status ? { code: Math.max(0, STATUS_CODES.indexOf(status.code as (typeof STATUS_CODES)[number])), ...(typeof status.message === 'string' ? { message: status.message } : {}) } : {},
    };
    if (Array.isArray(otel.events)) {
      out.events = otel.events.filter(isObject).map((e) => ({ name: String(e.name ?? ''), timeUnixNano: String(nanosOf(e.time_unix_nano) ?? startNs), attributes: jsonToAttributes(isObject(e.attributes) ? e.attributes : {}) }));
    }
    if (Array.isArray(otel.links)) {
      // data.otel is span data: a link without valid ids would make a receiver refuse the whole request
      out.links = otel.links.filter((l) => isObject(l) && isTraceId(l.trace_id) && isOtelSpanId(l.span_id)).map((l) => ({ traceId: l.trace_id, spanId: l.span_id, attributes: jsonToAttributes(isObject(l.attributes) ? l.attributes : {}) }));
    }
    if (typeof otel.trace_state === 'string') out.traceState = otel.trace_state;
    return out;
  }

  private loglineAttributes(span: Span): KeyValue[] {
    const { id, sig, ...body } = span;
    const attrs: Record<string, unknown> = {
      'logline.id': id, 'logline.sig': sig, 'logline.author': span.author, 'logline.tenant': span.tenant,
      [ATTR.status]: span.status, 'logline.kind': span.kind, 'logline.visibility': span.visibility,
      ...(span.seq !== null ? { 'logline.seq': span.seq } : {}),
      ...(span.caused_by ? { 'logline.caused_by': span.caused_by } : {}),
      ...(span.tags ? { [ATTR.tags]: span.tags } : {}),
      [ATTR.body]: canonicalJson(body),
    };
    return jsonToAttributes(attrs);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An InstrumentationScope of the name and version that are strings: the schema knows no other field of ours. */
function scopeOf(scope: Record<string, unknown>): { name?: string; version?: string } {
  return {
    ...(typeof scope.name === 'string' ? { name: scope.name } : {}),
    ...(typeof scope.version === 'string' ? { version: scope.version } : {}),
  };
}

/** A fixed64 of nanoseconds kept in `data.otel` as a decimal string. */
function nanosOf(v: unknown): bigint | undefined {
  return typeof v === 'string' && /^\d{1,20}$/.test(v) && BigInt(v) < 2n ** 64n ? BigInt(v) : undefined;
}

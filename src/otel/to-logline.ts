import { MAX_TITLE_CHARS, STATUSES, sortedUnique, type SpanDraft, type SpanStatus } from '../timeline/span.js';
import { badOtlp } from './attributes.js';
import type { OtelSpan } from './otlp.js';

/** Attributes that carry logline fields back in (written by `export --format otlp`); the rest become `data`. */
export const ATTR = {
  status: 'logline.status',
  tags: 'logline.tags',
  /** The signed body of the exported span: provenance for a verifier, not copied into a new span (it is large). */
  body: 'logline.body',
} as const;

/** Most spans per OTLP request: one atomic append, as the span API's batches. */
export const MAX_OTLP_SPANS = 1000;

/**
 * The logline draft of an OTel span (SPEC §2 mapping): name → title, start → ts (ms), end − start → delta_s,
 * attributes → data, `logline.status` → status; trace/span/parent ids, kind, OTel status, resource, scope,
 * events and links under `data.otel`. `caused_by` is left to the parent link (`linkOtelParents`).
 */
export function draftFromOtel(s: OtelSpan, tenant: string): SpanDraft & { tenant: string } {
  const { [ATTR.status]: status, [ATTR.tags]: tags, [ATTR.body]: _body, ...attributes } = s.attributes;
  const otel: Record<string, unknown> = {
    trace_id: s.traceId,
    span_id: s.spanId,
    ...(s.parentSpanId ? { parent_span_id: s.parentSpanId } : {}),
    kind: s.kind,
    start_time_unix_nano: String(s.startNs),
    end_time_unix_nano: String(s.endNs),
    ...(s.status.code !== 'UNSET' ? { status: s.status } : {}),
    ...(Object.keys(s.resource).length ? { resource: s.resource } : {}),
    ...(s.scope.name !== undefined || s.scope.version !== undefined ? { scope: s.scope } : {}),
    ...(s.events.length ? { events: s.events } : {}),
    ...(s.links.length ? { links: s.links } : {}),
    ...(s.traceState ? { trace_state: s.traceState } : {}),
  };
  const draft: SpanDraft & { tenant: string } = {
    tenant,
    title: titleOf(s.name),
    ts: new Date(Number(s.startNs / 1_000_000n)).toISOString(),
    delta_s: Number(s.endNs - s.startNs) / 1e9,
    data: { ...attributes, otel },
  };
  if (typeof status === 'string' && (STATUSES as readonly string[]).includes(status)) draft.status = status as SpanStatus;
  if (Array.isArray(tags) && tags.length > 0) {
    if (!tags.every((t) => typeof t === 'string' && t !== '')) throw badOtlp(`${s.path}: attribute ${ATTR.tags} is not an array of strings`);
    draft.tags = sortedUnique(tags as string[]);
  }
  return draft;
}

/** One line of at most 512 characters. */
function titleOf(name: string): string {
  const line = name.replace(/[\r\n\u2028\u2029]+/g, ' ');
  return line.length <= MAX_TITLE_CHARS ? line : [...line].slice(0, MAX_TITLE_CHARS).join('');
}

/**
 * Spans in waves, parents before children: wave 0 holds the spans whose parent is not in the request, wave n+1 the
 * children of wave n. A span id twice in a request, or a parent cycle, is malformed.
 */
export function parentsFirst(spans: readonly OtelSpan[]): OtelSpan[][] {
  const key = (trace: string, span: string) => `${trace}/${span}`;
  const byKey = new Map<string, OtelSpan>();
  for (const s of spans) {
    const k = key(s.traceId, s.spanId);
    if (byKey.has(k)) throw badOtlp(`${s.path}: span ${s.spanId} of trace ${s.traceId} appears twice in the request`);
    byKey.set(k, s);
  }
  const children = new Map<string, OtelSpan[]>();
  let wave: OtelSpan[] = [];
  for (const s of spans) {
    const parent = s.parentSpanId === null ? undefined : key(s.traceId, s.parentSpanId);
    if (parent === undefined || !byKey.has(parent)) wave.push(s);
    else {
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(s);
    }
  }
  const waves: OtelSpan[][] = [];
  let placed = 0;
  while (wave.length > 0) {
    waves.push(wave);
    placed += wave.length;
    wave = wave.flatMap((s) => children.get(key(s.traceId, s.spanId)) ?? []);
  }
  if (placed !== spans.length) throw badOtlp('the parent links of the request form a cycle');
  return waves;
}

import { describe, expect, it } from 'vitest';
import type { Span } from '../timeline/span.js';
import { attributesToJson, jsonToAttributes } from './attributes.js';
import { OtlpWriter } from './from-logline.js';
import { parseOtlpTraces, type OtelSpan } from './otlp.js';
import { draftFromOtel, parentsFirst } from './to-logline.js';

const T = '5b8efff798038103d269b633813fc60c';

function otel(over: Partial<OtelSpan> = {}): OtelSpan {
  return {
    traceId: T, spanId: 'eee19b7ec3c1b174', parentSpanId: null, name: 'op', kind: 'INTERNAL', startNs: 1_764_000_000_123_456_789n,
    endNs: 1_764_000_001_623_456_789n, attributes: {}, status: { code: 'UNSET' }, resource: {}, scope: {}, events: [], links: [], path: 'spans[0]', ...over,
  };
}

describe('OTLP attributes ↔ JSON', () => {
  it('maps every AnyValue kind, keeping int64 beyond 2^53 exact and non-finite doubles as text', () => {
    const json = attributesToJson([
      { key: 's', value: { stringValue: 'x' } }, { key: 'b', value: { boolValue: false } }, { key: 'i', value: { intValue: '42' } },
      { key: 'n', value: { intValue: 7 } }, { key: 'big', value: { intValue: '9007199254740993' } }, { key: 'd', value: { doubleValue: 0.5 } },
      { key: 'nan', value: { doubleValue: 'NaN' } }, { key: 'bytes', value: { bytesValue: 'AQI=' } }, { key: 'empty', value: {} },
      { key: 'arr', value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'two' }] } } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'inner', value: { boolValue: true } }] } } },
    ], 'attributes');
    expect(json).toEqual({ s: 'x', b: false, i: 42, n: 7, big: '9007199254740993', d: 0.5, nan: 'NaN', bytes: 'AQI=', empty: null, arr: [1, 'two'], kv: { inner: true } });
    expect(attributesToJson(jsonToAttributes({ a: 1, b: 2.5, c: [true, null], d: { e: 'f' } }), 'x')).toEqual({ a: 1, b: 2.5, c: [true, null], d: { e: 'f' } });
  });

  it('refuses values with two kinds, unknown kinds and deep nesting', () => {
    expect(() => attributesToJson([{ key: 'k', value: { stringValue: 'a', intValue: 1 } }], 'a')).toThrow(/more than one/);
    expect(() => attributesToJson([{ key: 'k', value: { floatValue: 1 } }], 'a')).toThrow(/unknown field "floatValue"/);
    let deep: unknown = { stringValue: 'x' };
    for (let i = 0; i < 20; i++) deep = { arrayValue: { values: [deep] } };
    expect(() => attributesToJson([{ key: 'k', value: deep }], 'a')).toThrow(/deeper than 16/);
  });
});

describe('OTel span → logline draft', () => {
  it('maps name, times, attributes, status and ids as SPEC §2 says', () => {
    const d = draftFromOtel(otel({
      name: 'two\nlines', attributes: { k: 1, 'logline.status': 'reverted', 'logline.tags': ['b', 'a', 'b'], 'logline.body': '{}' },
      parentSpanId: '00f067aa0ba902b7', status: { code: 'ERROR', message: 'boom' }, resource: { 'service.name': 'svc' }, scope: { name: 'lib' },
    }), 'acme');
    expect(d).toMatchObject({ tenant: 'acme', title: 'two lines', ts: '2025-11-24T16:00:00.123Z', delta_s: 1.5, status: 'reverted', tags: ['a', 'b'] });
    expect(d.data).toEqual({
      k: 1,
      otel: { trace_id: T, span_id: 'eee19b7ec3c1b174', parent_span_id: '00f067aa0ba902b7', kind: 'INTERNAL', start_time_unix_nano: '1764000000123456789',
        end_time_unix_nano: '1764000001623456789', status: { code: 'ERROR', message: 'boom' }, resource: { 'service.name': 'svc' }, scope: { name: 'lib' } },
    });
    expect(d.caused_by).toBeUndefined();
    expect([...draftFromOtel(otel({ name: '€'.repeat(600) }), 'acme').title]).toHaveLength(512);
  });

  it('orders a request parents first, whatever order it came in', () => {
    const a = otel({ spanId: 'aaaaaaaaaaaaaaaa' });
    const b = otel({ spanId: 'bbbbbbbbbbbbbbbb', parentSpanId: 'aaaaaaaaaaaaaaaa' });
    const c = otel({ spanId: 'cccccccccccccccc', parentSpanId: 'bbbbbbbbbbbbbbbb' });
    const orphan = otel({ spanId: 'dddddddddddddddd', parentSpanId: 'ffffffffffffffff' });
    expect(parentsFirst([c, orphan, b, a]).map((w) => w.map((s) => s.spanId[0]))).toEqual([['d', 'a'], ['b'], ['c']]);
    expect(() => parentsFirst([a, a])).toThrow(/appears twice/);
  });

  it('accepts enum names and numbers, and refuses bad ids with the path of the field', () => {
    const req = (span: Record<string, unknown>) => ({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: T.toUpperCase(), spanId: 'EEE19B7EC3C1B174', name: 'x', startTimeUnixNano: 5, ...span }] }] }] });
    expect(parseOtlpTraces(req({ kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_OK' } }))[0]).toMatchObject({ traceId: T, kind: 'CLIENT', status: { code: 'OK' }, endNs: 5n });
    expect(() => parseOtlpTraces(req({ kind: 9 }))).toThrow(/resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.kind/);
    expect(() => parseOtlpTraces(req({ spanId: '0000000000000000' }))).toThrow(/spanId is not 16 hex/);
    expect(parseOtlpTraces({})).toEqual([]);
  });
});

describe('logline span → OTLP', () => {
  const base = { v: 1, author: 'did:key:z6Mk', tenant: 'acme', prev: null, status: 'executed', kind: 'user', visibility: 'organization', sig: 's'.repeat(128) } as const;
  it('derives ids for spans born in logline, so that the tree holds, and keeps the exact otel ids of ingested ones', () => {
    const root = { ...base, seq: 1, id: 'a'.repeat(64), ts: '2026-01-01T00:00:00.000Z', title: 'root', delta_s: 2 } as Span;
    const child = { ...base, seq: 2, id: 'b'.repeat(64), ts: '2026-01-01T00:00:01.000Z', title: 'child', caused_by: root.id, data: { x: 1 } } as Span;
    const ingested = { ...base, seq: 3, id: 'c'.repeat(64), ts: '2025-11-24T16:00:00.123Z', title: 'op', delta_s: 1.5, data: { otel: { trace_id: T, span_id: 'eee19b7ec3c1b174', kind: 'SERVER', start_time_unix_nano: '1764000000123456789', end_time_unix_nano: '1764000001623456789', status: { code: 'ERROR' } } } } as unknown as Span;
    const req = new OtlpWriter().request([root, child, ingested]);
    const spans = parseOtlpTraces(req);
    expect(spans.map((s) => [s.name, s.traceId, s.spanId, s.parentSpanId])).toEqual([
      ['root', 'a'.repeat(32), 'a'.repeat(16), null], ['child', 'a'.repeat(32), 'b'.repeat(16), 'a'.repeat(16)], ['op', T, 'eee19b7ec3c1b174', null],
    ]);
    expect(spans[0].endNs - spans[0].startNs).toBe(2_000_000_000n);
    expect(spans[2]).toMatchObject({ kind: 'SERVER', status: { code: 'ERROR' }, startNs: 1_764_000_000_123_456_789n });
    expect(spans[1].attributes).toMatchObject({ x: 1, 'logline.id': child.id, 'logline.caused_by': root.id, 'logline.seq': 2 });
    // none of them recorded a resource: one group, under logline's own
    expect((req.resourceSpans as unknown[]).length).toBe(1);
  });
});

/**
 * `logline export --format otlp` against the official OTLP schema (opentelemetry-proto, as compiled by the
 * OpenTelemetry JS project): each line, read the way an OTLP/JSON receiver reads it (hex ids, integer enums, 64-bit
 * integers as strings), verifies, encodes to protobuf and decodes back with no field dropped or changed, and every
 * span carries its signature. No collector binary runs here: this checks the schema the collector decodes with.
 * Run `npm run build` first: the CLI runs dist/.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, initHome } from '../testing/cli.js';
import { createToken, startHttpDaemon } from '../testing/daemon.js';
import { otlpSchemaProblems } from '../testing/otlp-schema.js';
import { verifySpan } from '../verify/index.js';

type KeyValue = { key: string; value: Record<string, unknown> };
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; status: { code?: number; message?: string }; attributes: KeyValue[]; links?: unknown[] };
type ScopeSpans = { scope: Record<string, unknown>; spans: OtlpSpan[] };
type Request = { resourceSpans: { scopeSpans: ScopeSpans[] }[] };

const TRACE = '5b8efff798038103d269b633813fc60c';
const NOW_NS = `${Date.now()}000000`;
/** Every JSON type, nested; 2^60 is no safe integer, so it travels as a double. */
const DATA = { s: 'text', n: 42, d: 2.5, big: 2 ** 60, yes: true, none: null, nested: { list: [1, 'two', false, { deep: [] }] } };

/** An OTel trace as an instrumented service sends it: a failed server span, its client child, an event and a link. */
const ingested = {
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
    scopeSpans: [{
      scope: { name: 'shop.http', version: '1.2.0' },
      spans: [
        { traceId: TRACE, spanId: 'eee19b7ec3c1b174', name: 'POST /pay', kind: 2, startTimeUnixNano: NOW_NS, endTimeUnixNano: NOW_NS, traceState: 'shop=1',
          attributes: [{ key: 'http.response.status_code', value: { intValue: '502' } }], status: { code: 2, message: 'card declined' },
          events: [{ name: 'retry', timeUnixNano: NOW_NS, attributes: [{ key: 'attempt', value: { intValue: 2 } }] }],
          links: [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', attributes: [] }] },
        { traceId: TRACE, spanId: '1111111111111111', parentSpanId: 'eee19b7ec3c1b174', name: 'charge card', kind: 3, startTimeUnixNano: NOW_NS, endTimeUnixNano: NOW_NS, status: { code: 1 } },
      ],
    }],
  }],
};

const ODD_OTEL = {
  trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', kind: 'CLIENT', scope: { name: 'lib', version: 3, extra: true },
  links: [{ trace_id: 'not hex', span_id: 2 }, { trace_id: TRACE, span_id: 'eee19b7ec3c1b174' }], events: [{ name: 'sent', time_unix_nano: NOW_NS }, 'not an event'],
};

const spansOf = (req: Request) => req.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
const attr = (s: OtlpSpan, key: string) => s.attributes.find((a) => a.key === key)?.value;

describe('export --format otlp against the OTLP schema', () => {
  const h = initHome('ana', 'acme');
  let stop: (() => Promise<void>) | undefined;
  let lines: string[];
  let spans: OtlpSpan[];

  beforeAll(async () => {
    const daemon = await startHttpDaemon(h);
    stop = daemon.stop;
    const token = await createToken(h, 'writer');
    const res = await request(`${daemon.base}/v1/traces`, { method: 'POST', body: JSON.stringify(ingested), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    expect(res.statusCode, await res.body.text()).toBe(200);
    const ok = (args: string[]) => {
      const r = h.run(args);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    // a trace through TRACEPARENT: `run` hands it to the nested `log`
    ok(['run', '--title', 'build', '--', process.execPath, BIN, '--home', h.home, 'log', 'compile', '--data', JSON.stringify(DATA)]);
    // a tree born in logline: caused_by, with tags and a status of logline's own
    const release = ok(['log', 'release', '--tag', 'release', '--data', JSON.stringify(DATA)]);
    ok(['log', 'announce', '--caused-by', release, '--status', 'simulated', '--tag', 'b', '--tag', 'a']);
    // data.otel is span data like any other: a span (or a peer's) may carry a malformed one
    ok(['log', 'odd otel data', '--data', JSON.stringify({ otel: ODD_OTEL })]);
    const r = h.run(['export', '--format', 'otlp']);
    expect(r.code, r.stderr).toBe(0);
    lines = r.stdout.trim().split('\n');
    spans = lines.flatMap((l) => spansOf(JSON.parse(l) as Request));
  });
  afterAll(async () => {
    try { await stop?.(); } finally { h.cleanup(); }
  });

  it('every line decodes with the schema, losing no field, and every span carries its signature', () => {
    for (const line of lines) expect(otlpSchemaProblems(line)).toEqual([]);
    const by = Object.fromEntries(spans.map((s) => [s.name, s]));
    expect(Object.keys(by).sort()).toEqual(['POST /pay', 'announce', 'build', 'charge card', 'compile', 'odd otel data', 'release', 'tenant.created']);
    expect(by.compile).toMatchObject({ traceId: by.build.traceId, parentSpanId: by.build.spanId });
    expect(by.announce).toMatchObject({ traceId: by.release.traceId, parentSpanId: by.release.spanId });
    expect(by['charge card']).toMatchObject({ traceId: TRACE, parentSpanId: 'eee19b7ec3c1b174', kind: 3, status: { code: 1 } });
    expect(by['POST /pay']).toMatchObject({ kind: 2, status: { code: 2, message: 'card declined' } });
    expect(attr(by.compile, 'nested')).toEqual({ kvlistValue: { values: [{ key: 'list', value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'two' }, { boolValue: false }, { kvlistValue: { values: [{ key: 'deep', value: { arrayValue: { values: [] } } }] } }] } } }] } });
    // of a malformed data.otel, the export keeps what the schema can carry: the scope's strings, the links with ids
    const odd = lines.flatMap((l) => (JSON.parse(l) as Request).resourceSpans.flatMap((r) => r.scopeSpans)).find((ss) => ss.spans.some((s) => s.name === 'odd otel data'));
    expect(odd?.scope).toEqual({ name: 'lib' });
    expect(by['odd otel data']).toMatchObject({ kind: 3, links: [{ traceId: TRACE, spanId: 'eee19b7ec3c1b174', attributes: [] }] });
    for (const s of spans) {
      const body = JSON.parse(attr(s, 'logline.body')?.stringValue as string);
      const id = attr(s, 'logline.id')?.stringValue;
      expect(attr(s, 'logline.author')?.stringValue).toBe(body.author);
      expect(verifySpan({ ...body, id, sig: attr(s, 'logline.sig')?.stringValue }), s.name).toMatchObject({ ok: true });
    }
  });

  it('the check refuses a misspelled field, a 15-byte span id, base64 ids, enum names and a string for an integer', () => {
    expect(otlpSchemaProblems(lines[0])).toEqual([]);
    const broken = (change: (s: OtlpSpan & Record<string, unknown>) => void) => {
      const req = JSON.parse(lines[0]) as Request;
      change(spansOf(req).find((s) => s.parentSpanId !== undefined) as OtlpSpan & Record<string, unknown>);
      return otlpSchemaProblems(JSON.stringify(req)).join('\n');
    };
    expect(broken((s) => { s.parentSpanID = s.parentSpanId; delete s.parentSpanId; })).toMatch(/spans\[\d+\]\.parentSpanID is not a field of the schema/);
    expect(broken((s) => { s.spanId = s.spanId.slice(2); })).toMatch(/spans\[\d+\]\.spanId is not 16 hex characters/);
    expect(broken((s) => { s.traceId = Buffer.from(s.traceId, 'hex').toString('base64'); })).toMatch(/traceId is not 32 hex characters/);
    expect(broken((s) => { s.kind = 'SPAN_KIND_SERVER' as unknown as number; })).toMatch(/kind: enum value expected/);
    expect(broken((s) => { s.startTimeUnixNano = 'yesterday'; })).toMatch(/startTimeUnixNano: integer\|Long expected/);
    expect(broken((s) => { s.attributes[0].value = { stringValue: 'x', intValue: '1' }; })).toMatch(/value: multiple values/);
    expect(broken((s) => { s.status = { code: 2, text: 'boom' } as OtlpSpan['status']; })).toMatch(/status\.text is not a field of the schema/);
  });
});

/**
 * OTLP/HTTP JSON ingest end to end: the real OpenTelemetry JS SDK (NodeTracerProvider, BatchSpanProcessor,
 * OTLPTraceExporter) sends a trace tree to a running daemon (the built binary, `node start --http`) with a writer
 * token; malformed requests are refused whole. Run `npm run build` first: the daemon runs dist/.
 */
import { gzipSync } from 'node:zlib';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync, initHome } from '../testing/cli.js';
import { createToken, exportSpans, startHttpDaemon } from '../testing/daemon.js';
import type { Span } from '../timeline/span.js';

type Otel = { trace_id: string; span_id: string; parent_span_id?: string; kind: string; status?: { code: string; message?: string }; resource?: Record<string, unknown>; scope?: { name?: string; version?: string }; events?: { name: string }[] };
const otelOf = (s: Span) => s.data?.otel as Otel;

function sdk(base: string, token: string): { provider: NodeTracerProvider; tracer: Tracer } {
  const exporter = new OTLPTraceExporter({ url: `${base}/v1/traces`, headers: { authorization: `Bearer ${token}` } });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  return { provider, tracer: provider.getTracer('logline-test', '1.2.3') };
}

async function post(base: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
  const r = await request(`${base}/v1/traces`, { method: 'POST', body, headers });
  const text = await r.body.text();
  return { status: r.statusCode, json: text ? JSON.parse(text) : {} };
}

function otlpBody(spans: Record<string, unknown>[]): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'raw' }, spans }] }] });
}

const NOW_NS = `${Date.now()}000000`;
const rawSpan = (over: Record<string, unknown> = {}) => ({
  traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'raw', kind: 1,
  startTimeUnixNano: NOW_NS, endTimeUnixNano: NOW_NS, attributes: [], ...over,
});

describe('OTLP/HTTP JSON ingest at POST /v1/traces', () => {
  const h = initHome('dan', 'acme');
  let base: string;
  let stop: () => Promise<void>;
  let token: string;
  let reader: string;
  const count = async () => (await exportSpans<Span>(h)).length;

  beforeAll(async () => {
    ({ base, stop } = await startHttpDaemon(h));
    token = await createToken(h, 'writer');
    reader = await createToken(h, 'reader');
  });
  afterAll(async () => {
    try { await stop?.(); } finally { h.cleanup(); }
  });

  it('turns a trace tree from the OpenTelemetry SDK into signed spans with the tree intact', async () => {
    const { provider, tracer } = sdk(base, token);
    const root = tracer.startSpan('checkout', { attributes: { 'http.method': 'POST', 'cart.items': 3 } });
    const rootCtx = trace.setSpan(ROOT_CONTEXT, root);
    const charge = tracer.startSpan('charge card', { attributes: { amount: 54.5, currency: 'EUR', tags: ['a', 'b'] } }, rootCtx);
    const bank = tracer.startSpan('call bank', { kind: SpanKind.SERVER }, trace.setSpan(ROOT_CONTEXT, charge));
    bank.addEvent('retry', { attempt: 2 });
    bank.setStatus({ code: SpanStatusCode.ERROR, message: 'bank timeout' });
    bank.end();
    charge.end();
    const mail = tracer.startSpan('send receipt', {}, rootCtx);
    mail.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();

    const spans = (await exportSpans<Span>(h)).filter((s) => s.data?.otel !== undefined);
    const by = Object.fromEntries(spans.map((s) => [s.title, s]));
    expect(Object.keys(by).sort()).toEqual(['call bank', 'charge card', 'checkout', 'send receipt']);
    // the tree: caused_by follows the OTel parents
    expect(by.checkout.caused_by).toBeUndefined();
    expect(by['charge card'].caused_by).toBe(by.checkout.id);
    expect(by['send receipt'].caused_by).toBe(by.checkout.id);
    expect(by['call bank'].caused_by).toBe(by['charge card'].id);
    // parents were signed before their children (seq order), though the SDK exports children first
    expect(by.checkout.seq!).toBeLessThan(by['charge card'].seq!);
    expect(by['charge card'].seq!).toBeLessThan(by['call bank'].seq!);
    // ids, attributes, resource, scope, status, kind, events, times
    const rootOtel = otelOf(by.checkout);
    expect(rootOtel.trace_id).toBe(root.spanContext().traceId);
    expect(rootOtel.span_id).toBe(root.spanContext().spanId);
    expect(otelOf(by['call bank']).parent_span_id).toBe(charge.spanContext().spanId);
    expect(by.checkout.data).toMatchObject({ 'http.method': 'POST', 'cart.items': 3 });
    expect(by['charge card'].data).toMatchObject({ amount: 54.5, currency: 'EUR', tags: ['a', 'b'] });
    expect(rootOtel.resource).toMatchObject({ 'service.name': 'checkout', 'deployment.environment': 'test' });
    expect(rootOtel.scope).toEqual({ name: 'logline-test', version: '1.2.3' });
    expect(otelOf(by['call bank'])).toMatchObject({ kind: 'SERVER', status: { code: 'ERROR', message: 'bank timeout' }, events: [{ name: 'retry' }] });
    expect(by['call bank'].status).toBe('executed');
    expect(by.checkout.author).toBe(JSON.parse((await cliAsync(['--home', h.home, '--json', 'node', 'status'])).stdout).identity.did);
    for (const s of spans) {
      expect(s.tenant).toBe('acme');
      expect(s.delta_s).toBeGreaterThanOrEqual(0);
      expect(Date.parse(s.ts)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(by.checkout.delta_s!).toBeGreaterThanOrEqual(by['charge card'].delta_s!);
    const v = await cliAsync(['--home', h.home, '--json', 'verify']);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true });
  });

  it('links a child that arrives in a later request to its parent through the otel index, and skips a retried span', async () => {
    const { provider, tracer } = sdk(base, token);
    const parent = tracer.startSpan('deploy');
    parent.end();
    await provider.forceFlush();
    const child = tracer.startSpan('migrate db', {}, trace.setSpan(ROOT_CONTEXT, parent));
    child.end();
    await provider.forceFlush();
    await provider.shutdown();
    const spans = await exportSpans<Span>(h);
    const p = spans.find((s) => s.title === 'deploy')!;
    const c = spans.find((s) => s.title === 'migrate db')!;
    expect(c.caused_by).toBe(p.id);

    // the same OTel span sent again (an exporter's retry) is not signed twice
    const before = await count();
    const again = { traceId: otelOf(p).trace_id, spanId: otelOf(p).span_id, name: 'deploy', kind: 1, startTimeUnixNano: NOW_NS, endTimeUnixNano: NOW_NS };
    expect((await post(base, otlpBody([again]), { 'content-type': 'application/json', authorization: `Bearer ${token}` })).status).toBe(200);
    expect(await count()).toBe(before);
  });

  it('takes gzip bodies, and answers with an OTLP ExportTraceServiceResponse', async () => {
    const before = await count();
    const r = await post(base, gzipSync(otlpBody([rawSpan({ spanId: '1111111111111111', name: 'gzipped' })])), {
      'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${token}`,
    });
    expect(r).toEqual({ status: 200, json: { partialSuccess: {} } });
    expect(await count()).toBe(before + 1);
  });

  it('refuses malformed requests with 400 and a clear message, storing nothing of them', async () => {
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const before = await count();
    const bad: [string, string | Buffer, RegExp][] = [
      ['bad JSON', '{"resourceSpans": [', /not valid JSON/],
      ['not an object', '[1,2]', /the body is not a JSON object/],
      ['resourceSpans not an array', '{"resourceSpans": {}}', /resourceSpans is not an array/],
      ['a trace id of the wrong length', otlpBody([rawSpan({ traceId: 'abcd' })]), /spans\[0\]\.traceId is not 32 hex/],
      ['a span id of the wrong length', otlpBody([rawSpan({ spanId: 'eee19b7ec3c1b17' })]), /spans\[0\]\.spanId is not 16 hex/],
      ['a parent id of the wrong length', otlpBody([rawSpan({ parentSpanId: 'ff' })]), /parentSpanId is not 16 hex/],
      ['a time that is no number', otlpBody([rawSpan({ startTimeUnixNano: 'yesterday' })]), /startTimeUnixNano is not a time/],
      ['an end before the start', otlpBody([rawSpan({ endTimeUnixNano: '1000' })]), /ends before it starts/],
      ['a bad attribute value', otlpBody([rawSpan({ attributes: [{ key: 'k', value: { intValue: 'many' } }] })]), /attributes\[0\]\.value\.intValue is not an int64/],
      ['one good span and one bad', otlpBody([rawSpan({ spanId: '2222222222222222', name: 'must not be stored' }), rawSpan({ spanId: 'zz' })]), /spans\[1\]\.spanId/],
      ['a parent cycle', otlpBody([rawSpan({ spanId: '3333333333333333', parentSpanId: '4444444444444444' }), rawSpan({ spanId: '4444444444444444', parentSpanId: '3333333333333333' })]), /cycle/],
      ['a body over the limit (1 MiB per token)', otlpBody([rawSpan({ name: 'x'.repeat(1100 * 1024) })]), /over 1048576 bytes/],
    ];
    for (const [what, body, message] of bad) {
      const r = await post(base, body, auth);
      expect(r.status, what).toBe(400);
      expect(r.json.error?.message, what).toMatch(message);
      expect(r.json.error?.code, what).toMatch(/^BAD_(OTLP|JSON)$/);
    }
    // a valid parent whose child makes no valid logline span (data over 64 KiB): neither is stored
    const big = [{ key: 'blob', value: { stringValue: 'y'.repeat(70 * 1024) } }];
    const r = await post(base, otlpBody([rawSpan({ spanId: '5555555555555555', name: 'parent' }), rawSpan({ spanId: '6666666666666666', parentSpanId: '5555555555555555', attributes: big })]), auth);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'BAD_OTLP_SPAN' });
    expect(r.json.error!.message).toMatch(/6666666666666666.*64 KiB|6666666666666666.*over 65536/);
    expect(await count()).toBe(before);
  });

  it('needs a writer token: 401 without a valid one, 403 for a reader, 415 for protobuf', async () => {
    const body = otlpBody([rawSpan({ spanId: '7777777777777777' })]);
    expect((await post(base, body, { 'content-type': 'application/json' })).status).toBe(401);
    const wrong = await post(base, body, { 'content-type': 'application/json', authorization: 'Bearer llt_nope_nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error?.code).toBe('UNAUTHORIZED');
    expect((await post(base, body, { 'content-type': 'application/json', authorization: `Bearer ${reader}` })).status).toBe(403);
    const proto = await post(base, Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` });
    expect(proto.status).toBe(415);
    expect(proto.json.error?.message).toMatch(/protobuf is not supported|JSON/);
  });
});

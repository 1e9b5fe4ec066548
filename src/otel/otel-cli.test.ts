/**
 * The OpenTelemetry bridge through the CLI (the built binary): `export --format otlp` round-trips into another
 * node's `/v1/traces`, and `log`/`run` honour W3C TRACEPARENT so that nested calls build a tree. Run
 * `npm run build` first.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, initHome } from '../testing/cli.js';
import { createToken, exportSpans, startHttpDaemon } from '../testing/daemon.js';
import type { Span } from '../timeline/span.js';
import { verifySpan } from '../verify/index.js';
import { parseOtlpTraces } from './otlp.js';

type Otel = { trace_id: string; span_id: string; parent_span_id?: string };
const otelOf = (s: Span) => s.data?.otel as Otel;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('export --format otlp', () => {
  const a = initHome('ana', 'acme');
  const b = initHome('bob', 'acme');
  let bBase: string;
  let stopB: () => Promise<void>;
  let token: string;

  beforeAll(async () => {
    ({ base: bBase, stop: stopB } = await startHttpDaemon(b));
    token = await createToken(b, 'writer');
  });
  afterAll(async () => {
    try { await stopB?.(); } finally { a.cleanup(); b.cleanup(); }
  });

  it('writes OTLP/JSON requests with the signature as attributes, which another node ingests keeping titles and tree', async () => {
    const root = a.run(['log', 'release 2.3', '--workflow', 'rel', '--tag', 'release', '--data', '{"version":"2.3","n":7,"nested":{"ok":true,"list":[1,2.5,"x"]}}']).stdout.trim();
    const build = a.run(['log', 'build', '--workflow', 'rel', '--caused-by', root, '--status', 'simulated']).stdout.trim();
    a.run(['log', 'unit tests', '--workflow', 'rel', '--caused-by', build, '--delta', '12.25']);
    a.run(['log', 'announce', '--workflow', 'rel', '--caused-by', root, '--tag', 'b', '--tag', 'a']);
    const source = await exportSpans<Span>(a, ['--workflow', 'rel']);

    const r = a.run(['export', '--format', 'otlp', '--workflow', 'rel']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/exported 4 spans as 1 OTLP requests/);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const otlpRequest = JSON.parse(lines[0]);
    // the strict OTLP parser of the ingest path takes it whole
    const parsed = parseOtlpTraces(otlpRequest);
    expect(parsed.map((s) => s.name)).toEqual(source.map((s) => s.title));
    const byName = Object.fromEntries(parsed.map((s) => [s.name, s]));
    expect(byName.build.parentSpanId).toBe(byName['release 2.3'].spanId);
    expect(new Set(parsed.map((s) => s.traceId)).size).toBe(1);
    expect(Number(byName['unit tests'].endNs - byName['unit tests'].startNs)).toBe(12.25e9);
    // the signed body travels as an attribute: logline/verify checks the span from the trace alone
    for (const s of parsed) {
      const body = JSON.parse(s.attributes['logline.body'] as string);
      expect(verifySpan({ ...body, id: s.attributes['logline.id'], sig: s.attributes['logline.sig'] })).toMatchObject({ ok: true });
    }

    const res = await request(`${bBase}/v1/traces`, { method: 'POST', body: lines[0], headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    expect(res.statusCode, await res.body.text()).toBe(200);
    const copied = (await exportSpans<Span>(b)).filter((s) => s.data?.otel !== undefined);
    const by = Object.fromEntries(copied.map((s) => [s.title, s]));
    expect(copied.map((s) => s.title).sort()).toEqual(source.map((s) => s.title).sort());
    expect(by.build.caused_by).toBe(by['release 2.3'].id);
    expect(by['unit tests'].caused_by).toBe(by.build.id);
    expect(by.announce.caused_by).toBe(by['release 2.3'].id);
    // status, tags, data and duration come back; the new spans are signed by b and name their origin
    expect(by.build.status).toBe('simulated');
    expect(by.announce.tags).toEqual(['a', 'b']);
    expect(by['release 2.3'].data).toMatchObject({ version: '2.3', n: 7, nested: { ok: true, list: [1, 2.5, 'x'] }, 'logline.id': root });
    expect(by['unit tests'].delta_s).toBe(12.25);
    expect(by['release 2.3'].ts).toBe(source[0].ts);
    expect(by.build.author).not.toBe(source[1].author);
  });
});

describe('W3C trace context in log and run', () => {
  const h = initHome('dan', 'acme');
  afterAll(() => h.cleanup());
  const json = (args: string[], env?: NodeJS.ProcessEnv) => {
    const r = h.run(['--json', ...args], { env });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Span;
  };

  it('log joins the trace of TRACEPARENT, and takes a known logline parent as caused_by', () => {
    const first = json(['log', 'outer step'], { TRACEPARENT: `00-${TRACE}-00f067aa0ba902b7-01` });
    expect(otelOf(first)).toMatchObject({ trace_id: TRACE, parent_span_id: '00f067aa0ba902b7' });
    expect(otelOf(first).span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(first.caused_by).toBeUndefined(); // that parent is no logline span
    const child = json(['log', 'inner step'], { TRACEPARENT: `00-${TRACE}-${otelOf(first).span_id}-01` });
    expect(child.caused_by).toBe(first.id);
    expect(otelOf(child).parent_span_id).toBe(otelOf(first).span_id);
  });

  it('log without TRACEPARENT records no otel ids; an invalid one is ignored with a warning', () => {
    expect(json(['log', 'plain']).data).toBeUndefined();
    const r = h.run(['--json', 'log', 'odd'], { env: { TRACEPARENT: 'nonsense' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/TRACEPARENT "nonsense" is not a W3C traceparent; ignored/);
    expect(JSON.parse(r.stdout).data).toBeUndefined();
  });

  it('nested `logline run -- logline run -- logline log` builds one trace tree', () => {
    const r = cli(['--home', h.home, '--json', 'run', '--title', 'outer', '--', process.execPath, BIN, '--home', h.home, 'run', '--title', 'middle', '--',
      process.execPath, BIN, '--home', h.home, 'log', 'leaf'], { env: { TRACEPARENT: `00-${TRACE}-1111111111111111-01` } });
    expect(r.code, r.stderr).toBe(0);
    const spans = cli(['--home', h.home, 'export']).stdout.trim().split('\n').map((l) => JSON.parse(l) as Span);
    const by = Object.fromEntries(spans.map((s) => [s.title, s]));
    const [outer, middle, leaf] = [by.outer, by.middle, by.leaf].map(otelOf);
    expect([outer.trace_id, middle.trace_id, leaf.trace_id]).toEqual([TRACE, TRACE, TRACE]);
    expect(outer.parent_span_id).toBe('1111111111111111');
    expect(middle.parent_span_id).toBe(outer.span_id);
    expect(leaf.parent_span_id).toBe(middle.span_id);
    // children finish (and are signed) before the commands that ran them
    expect(leaf && by.leaf.seq! < by.middle.seq! && by.middle.seq! < by.outer.seq!).toBe(true);
    expect(by.outer.data).toMatchObject({ exit_code: 0 });
  });

  it('run without TRACEPARENT starts a trace and hands it to its command', () => {
    const r = h.run(['--json', 'run', '--', 'sh', '-c', 'echo "$TRACEPARENT"']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const span = JSON.parse(lines.slice(1).join('\n')) as Span;
    expect(otelOf(span).parent_span_id).toBeUndefined();
    expect(lines[0]).toBe(`00-${otelOf(span).trace_id}-${otelOf(span).span_id}-01`);
  });
});

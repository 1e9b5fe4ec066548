/**
 * The daemon's local API end to end: a real daemon (the built binary, `node start`) in a temp home, spoken to
 * over its unix socket (the owner) and its TCP listener (bearer tokens). Rebuild (`npm run build`) after a change
 * under src/ before running this file: the daemon runs dist/.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { Agent, request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines } from '../client/transport.js';
import { connect } from '../index.js';
import { cliAsync, initHome } from '../testing/cli.js';
import { VERSION } from '../version.js';

type Home = ReturnType<typeof initHome>;
type Headers = Record<string, string | string[] | undefined>;
interface Res { status: number; headers: Headers; text: string }
interface WireSpan { id: string; sig: string; tenant: string; title: string }

/** Every title of tenant B carries this, so that any leak of B content can be grepped for. */
const MARK = 'ZEBRAQUUX';

const json = (r: Res) => JSON.parse(r.text);

/** Every response of the API, errors included, names the daemon's version and the API version. */
function expectApiHeaders(headers: Headers): void {
  expect(headers['logline-version']).toBe(VERSION);
  expect(headers['logline-api']).toBe('1');
}

/** One request over the unix socket (the owner: no token, no limits but the socket's). */
function sock(socketPath: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const h = body === undefined ? headers : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers };
    const req = httpRequest({ socketPath, method, path, headers: h, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        expectApiHeaders(res.headers);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface TcpOptions { token?: string; body?: string | Buffer | Readable; headers?: Record<string, string> }

/** One request over the TCP listener. */
async function tcp(agent: Dispatcher, base: string, method: string, path: string, opts: TcpOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers };
  if (opts.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const r = await request(`${base}${path}`, { method: method as Dispatcher.HttpMethod, body: opts.body, headers, dispatcher: agent });
  const text = await r.body.text();
  expectApiHeaders(r.headers);
  return { status: r.statusCode, headers: r.headers, text };
}

function expectError(r: Res, status: number, code: string): { code: string; message: string; hint?: string; details?: Record<string, unknown> } {
  expect(r.status, r.text).toBe(status);
  expect(r.headers['content-type']).toBe('application/json');
  const body = json(r);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body.error;
}

function ndjson(text: string): WireSpan[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as WireSpan);
}

function randomHex(chars: number, taken: readonly string[]): string {
  for (;;) {
    const hex = randomBytes(32).toString('hex').slice(0, chars);
    if (!taken.some((id) => id.startsWith(hex))) return hex;
  }
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

async function cliOk(h: Home, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await cliAsync(['--home', h.home, ...args], { env });
  if (r.code !== 0) throw new Error(`logline ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function createToken(h: Home, role: 'reader' | 'writer', tenant = 'a'): Promise<{ token: string; id: string }> {
  return JSON.parse(await cliOk(h, ['--tenant', tenant, '--json', 'token', 'create', '--role', role])) as { token: string; id: string };
}

/** Spans per tenant, as the owner sees them through the CLI (which goes through the daemon). */
async function tenantCounts(h: Home): Promise<Record<string, number>> {
  const s = JSON.parse(await cliOk(h, ['--json', 'node', 'status'])) as { tenants: { tenant: string; spans: number }[] };
  return Object.fromEntries(s.tenants.map((t) => [t.tenant, t.spans]));
}

function subscriberGauge(metrics: string): number {
  const m = /^logline_event_subscribers (\d+)$/m.exec(metrics);
  if (!m) throw new Error(`no subscriber gauge in\n${metrics}`);
  return Number(m[1]);
}

/** Starts the daemon of `h` with an HTTP listener on an OS-chosen port. */
async function startNode(h: Home, env: NodeJS.ProcessEnv = {}): Promise<{ socket: string; base: string }> {
  const r = await cliAsync(['--home', h.home, 'node', 'start', '--http', '127.0.0.1:0'], { env });
  if (r.code !== 0) throw new Error(`node start failed: ${r.stderr}`);
  // port 0: the status must report the address actually bound
  const status = JSON.parse(await cliOk(h, ['--json', 'node', 'status'])) as { state: string; api: { socket: string; http: string } };
  expect(status.state).toBe('ready');
  expect(status.api.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(status.api.http).not.toMatch(/:0$/);
  expect(status.api.socket).toBe(join(h.home, 'run', 'node.sock'));
  return { socket: status.api.socket, base: status.api.http };
}

/** Stops the daemon and removes the home; a daemon that no longer answers by then crashed, and its log says why. */
async function stopNode(h: Home | undefined): Promise<void> {
  if (!h) return;
  const alive = await sock(join(h.home, 'run', 'node.sock'), 'GET', '/healthz').then(() => true, () => false);
  let log = '(no log)';
  try { log = readFileSync(join(h.home, 'state', 'node.log'), 'utf8'); } catch { /* none */ }
  try {
    await cliAsync(['--home', h.home, 'node', 'stop']);
  } finally {
    if (process.env.LOGLINE_TEST_KEEP) process.stderr.write(`kept ${h.home}\n`);
    else h.cleanup();
  }
  if (!alive) throw new Error(`the daemon no longer answered at the end (it crashed?); its log:\n${log}`);
}

describe('local API of a running daemon', () => {
  let h: Home;
  let socket: string;
  let base: string;
  const agent = new Agent({ keepAliveTimeout: 1000 });
  let reader: string;
  let writer: string;
  /** The owner's view of tenant B before any token request: its ids, signatures and id prefixes. */
  let bSpans: WireSpan[];
  let bIds: Set<string>;
  let bSigs: Set<string>;
  let bPrefixes: Set<string>;
  let aIds: string[];
  let bCountStart: number;
  /** B spans the owner itself appends during the tests (they must be the only change to B). */
  const ownerBWrites: string[] = [];

  const owner = (method: string, path: string, body?: unknown) => sock(socket, method, path, body === undefined ? undefined : JSON.stringify(body));
  const asToken = (token: string, method: string, path: string, opts: Omit<TcpOptions, 'token'> = {}) => tcp(agent, base, method, path, { ...opts, token });

  /**
   * Fails when a body shown to an A token holds anything of tenant B: a B id (or any 12+ hex prefix of one), a B
   * signature, a B title, or the tenant label. `echoes` are ids the client itself sent, which the answer may name.
   */
  function expectNoLeak(text: string, echoes: string[] = []): void {
    expect(text).not.toContain(MARK);
    expect(text).not.toMatch(/"b"|="b"/);
    for (const run of text.match(/[0-9a-f]{12,}/g) ?? []) {
      if (echoes.some((e) => e.toLowerCase().startsWith(run))) continue;
      if (run.length === 64) expect(bIds.has(run), `B id ${run} leaked`).toBe(false);
      else if (run.length === 128) expect(bSigs.has(run), `B sig ${run} leaked`).toBe(false);
      else if (run.length < 64) expect(bPrefixes.has(run), `B id prefix ${run} leaked`).toBe(false);
    }
  }

  async function appendOwner(drafts: object[]): Promise<WireSpan[]> {
    const r = await owner('POST', '/api/v1/spans', { drafts });
    expect(r.status, r.text).toBe(201);
    return (json(r) as { spans: WireSpan[] }).spans;
  }

  beforeAll(async () => {
    h = initHome('dan', 'a'); // tenant a is the default
    h.run(['tenant', 'create', 'b']);
    ({ socket, base } = await startNode(h));
    // both tenants get spans through the daemon (so its metrics carry both tenant labels); enough of them that
    // some 4-hex prefixes are shared across tenants and within B
    await appendOwner(Array.from({ length: 1000 }, (_, i) => ({ tenant: 'a', title: `a bulk ${i}` })));
    await appendOwner(Array.from({ length: 1000 }, (_, i) => ({ tenant: 'b', title: `${MARK} bulk ${i}`, data: { secret: `${MARK}-${i}` } })));
    await appendOwner(Array.from({ length: 500 }, (_, i) => ({ tenant: 'b', title: `${MARK} more ${i}`, tags: ['zebra'] })));
    await cliOk(h, ['--tenant', 'b', 'log', `${MARK} via the CLI`]);
    await cliOk(h, ['log', 'a via the CLI']);
    [reader, writer] = (await Promise.all([createToken(h, 'reader'), createToken(h, 'writer')])).map((t) => t.token);
    bSpans = ndjson((await owner('GET', '/api/v1/export?tenant=b')).text);
    aIds = ndjson((await owner('GET', '/api/v1/export?tenant=a')).text).map((s) => s.id);
    bIds = new Set(bSpans.map((s) => s.id));
    bSigs = new Set(bSpans.map((s) => s.sig));
    bPrefixes = new Set(bSpans.flatMap((s) => Array.from({ length: 52 }, (_, k) => s.id.slice(0, 12 + k))));
    bCountStart = (await tenantCounts(h)).b;
    expect(bCountStart).toBe(1502); // with its tenant.created
    expect(bSpans.length).toBe(1502);
  });

  afterAll(async () => {
    await agent.destroy();
    await stopNode(h);
  });

  describe('tenant isolation: an A token sees and changes nothing of B', () => {
    it('status and metrics show tenant A only', async () => {
      const ownerMetrics = await owner('GET', '/metrics');
      expect(ownerMetrics.text).toContain('logline_spans_appended_total{tenant="b"}');
      for (const token of [reader, writer]) {
        const s = await asToken(token, 'GET', '/api/v1/status');
        expect(s.status).toBe(200);
        expect(json(s).tenants).toEqual([{ tenant: 'a', spans: aIds.length }]);
        expect(json(s).spans).toBe(aIds.length);
        expectNoLeak(s.text);
        const m = await asToken(token, 'GET', '/metrics');
        expect(m.status).toBe(200);
        expect(m.headers['content-type']).toMatch(/^text\/plain/);
        expect(m.text).toContain('logline_spans_appended_total{tenant="a"}');
        expectNoLeak(m.text);
        expect([...m.text.matchAll(/tenant="([^"]*)"/g)].map((x) => x[1]).filter((t) => t !== 'a')).toEqual([]);
      }
    });

    it('query, search, cursors and export are scoped to A; naming B is refused the same as any other tenant', async () => {
      const ownerPage = json(await owner('GET', '/api/v1/spans?tenant=b&limit=1'));
      expect(ownerPage.spans[0].tenant).toBe('b');
      for (const token of [reader, writer]) {
        for (const path of ['/api/v1/spans', '/api/v1/spans?limit=1000', `/api/v1/spans?cursor=${ownerPage.next}&limit=1000`, '/api/v1/spans?tenant=a&limit=1000']) {
          const r = await asToken(token, 'GET', path, { headers: { 'logline-tenant': 'b', 'x-tenant': 'b' } });
          expect(r.status, path).toBe(200);
          expect(json(r).spans.length).toBeGreaterThan(0);
          expect(json(r).spans.every((s: WireSpan) => s.tenant === 'a')).toBe(true);
          expectNoLeak(r.text);
        }
        for (const path of [`/api/v1/spans?text=${MARK}`, '/api/v1/spans?tag=zebra']) {
          const r = await asToken(token, 'GET', path);
          expect(r.status).toBe(200);
          expect(json(r)).toEqual({ spans: [], next: null });
        }
        const forbidden = await asToken(token, 'GET', '/api/v1/spans?tenant=nobody');
        expectError(forbidden, 403, 'FORBIDDEN');
        for (const path of ['/api/v1/spans?tenant=b', '/api/v1/spans?tenant=B', '/api/v1/spans?tenant=b&tenant=a', '/api/v1/export?tenant=b', '/api/v1/events?tenant=b', '/api/v1/events?tenant=b&format=sse']) {
          const r = await asToken(token, 'GET', path);
          expect(r.status, path).toBe(403);
          expect(r.text, path).toBe(forbidden.text); // B is refused exactly like a tenant that does not exist
        }
        const mixed = await asToken(token, 'GET', '/api/v1/spans?tenant=a&tenant=b');
        expect(mixed.status).toBe(200);
        expectNoLeak(mixed.text);
        const exp = await asToken(token, 'GET', '/api/v1/export');
        expect(exp.status).toBe(200);
        expect(exp.headers['content-type']).toBe('application/x-ndjson');
        expect(ndjson(exp.text).map((s) => s.id).sort()).toEqual([...aIds].sort());
        expectNoLeak(exp.text);
      }
    });

    it('a B span by full id or prefix is "not found", exactly like a missing one, and never makes a prefix ambiguous', async () => {
      const all = [...aIds, ...bIds];
      const b = bSpans[0].id;
      // prefixes shared by an A span and a B span (A unique), and by two B spans only
      const sorted = [...aIds.map((id) => ({ id, t: 'a' })), ...bSpans.map((s) => ({ id: s.id, t: 'b' }))].sort((x, y) => (x.id < y.id ? -1 : 1));
      let crossPrefix: string | undefined;
      let crossA: string | undefined;
      let bbPrefix: string | undefined;
      for (let i = 1; i < sorted.length; i++) {
        const [x, y] = [sorted[i - 1], sorted[i]];
        const p = x.id.slice(0, commonPrefix(x.id, y.id));
        if (p.length < 4) continue;
        const aMatches = aIds.filter((id) => id.startsWith(p));
        if (!crossPrefix && x.t !== y.t && aMatches.length === 1) [crossPrefix, crossA] = [p, aMatches[0]];
        if (!bbPrefix && x.t === 'b' && y.t === 'b' && aMatches.length === 0) bbPrefix = p;
      }
      expect(crossPrefix, 'no prefix shared by an A and a B span (2500 spans: very unlikely)').toBeDefined();
      expect(bbPrefix, 'no prefix shared by two B spans only (very unlikely)').toBeDefined();
      // the owner, over the socket, sees those prefixes as ambiguous
      expectError(await owner('GET', `/api/v1/spans/${crossPrefix}`), 422, 'SPAN_AMBIGUOUS');
      expectError(await owner('GET', `/api/v1/spans/${bbPrefix}`), 422, 'SPAN_AMBIGUOUS');

      const probes: [string, string][] = [
        [b, randomHex(64, all)],
        [b.toUpperCase(), randomHex(64, all).toUpperCase()],
        [b.slice(0, 10), randomHex(10, all)],
        [bbPrefix!, randomHex(bbPrefix!.length, all)],
      ];
      for (const token of [reader, writer]) {
        for (const [bRef, noneRef] of probes) {
          const rb = await asToken(token, 'GET', `/api/v1/spans/${bRef}`);
          const rn = await asToken(token, 'GET', `/api/v1/spans/${noneRef}`);
          expectError(rn, 404, 'SPAN_NOT_FOUND');
          expect(rb.status).toBe(rn.status);
          expect(rb.text.split(bRef.toLowerCase()).join('<ref>').split(bRef).join('<ref>')).toBe(rn.text.split(noneRef.toLowerCase()).join('<ref>').split(noneRef).join('<ref>'));
          expectNoLeak(rb.text, [bRef]);

          const vb = await asToken(token, 'POST', '/api/v1/verify', { body: JSON.stringify({ ids: [bRef] }) });
          const vn = await asToken(token, 'POST', '/api/v1/verify', { body: JSON.stringify({ ids: [noneRef] }) });
          expect(vb.status).toBe(vn.status);
          expect(vb.text.split(bRef.toLowerCase()).join('<ref>').split(bRef).join('<ref>')).toBe(vn.text.split(noneRef.toLowerCase()).join('<ref>').split(noneRef).join('<ref>'));
          expectNoLeak(vb.text, [bRef]);
        }
        // a prefix an A span shares with a B span names the A span, for an A token
        const cross = await asToken(token, 'GET', `/api/v1/spans/${crossPrefix}`);
        expect(cross.status, cross.text).toBe(200);
        expect(json(cross).id).toBe(crossA);
        expectNoLeak(cross.text);
        const vcross = await asToken(token, 'POST', '/api/v1/verify', { body: JSON.stringify({ ids: [crossPrefix] }) });
        expect(vcross.status, vcross.text).toBe(200);
        expect(json(vcross)).toMatchObject({ ok: true, checked: 1 });
        // an A span by its own id works
        const own = await asToken(token, 'GET', `/api/v1/spans/${aIds[0]}`);
        expect(own.status).toBe(200);
        expect(json(own).id).toBe(aIds[0]);
      }
    });

    it('verify checks A only and refuses B', async () => {
      const forbidden = await asToken(reader, 'GET', '/api/v1/spans?tenant=nobody');
      for (const token of [reader, writer]) {
        const all = await asToken(token, 'POST', '/api/v1/verify', { body: '{}' });
        expect(all.status).toBe(200);
        expect(json(all)).toMatchObject({ ok: true, checked: aIds.length });
        expectNoLeak(all.text);
        const r = await asToken(token, 'POST', '/api/v1/verify', { body: JSON.stringify({ tenant: 'b' }) });
        expect(r.status).toBe(403);
        expect(r.text).toBe(forbidden.text);
      }
    });

    it('appends and imports with an A token never reach B', async () => {
      const before = await tenantCounts(h);
      const forbidden = (await asToken(writer, 'GET', '/api/v1/spans?tenant=nobody')).text;
      const refused = [
        await asToken(writer, 'POST', '/api/v1/spans', { body: JSON.stringify({ drafts: [{ tenant: 'b', title: `${MARK} by a token` }] }) }),
        await asToken(writer, 'POST', '/api/v1/spans', { body: JSON.stringify({ drafts: [{ tenant: 'a', title: 'fine' }, { tenant: 'b', title: `${MARK} in a batch` }] }) }),
        await asToken(writer, 'POST', '/api/v1/spans?as=dan', { body: `${JSON.stringify({ title: 'fine' })}\n${JSON.stringify({ tenant: 'b', title: `${MARK} ndjson` })}\n`, headers: { 'content-type': 'application/x-ndjson' } }),
      ];
      for (const r of refused) {
        expect(r.status).toBe(403);
        expect(r.text).toBe(forbidden);
      }
      // no tenant, or a tenant header: the token's tenant
      const ok = await asToken(writer, 'POST', '/api/v1/spans', { body: JSON.stringify({ drafts: [{ title: 'from an A token' }] }), headers: { 'logline-tenant': 'b' } });
      expect(ok.status, ok.text).toBe(201);
      expect(json(ok).spans.map((s: WireSpan) => s.tenant)).toEqual(['a']);
      expectNoLeak(ok.text);
      aIds.push(json(ok).spans[0].id);
      const nd = await asToken(writer, 'POST', '/api/v1/spans', { body: `${JSON.stringify({ title: 'ndjson from an A token' })}\n`, headers: { 'content-type': 'application/x-ndjson' } });
      expect(nd.status, nd.text).toBe(201);
      expect(json(nd).spans[0].tenant).toBe('a');
      aIds.push(json(nd).spans[0].id);
      // members, roles and trust are the node owner's: a token writes no system span, and nothing is stored
      const spansBefore = (await tenantCounts(h)).a;
      for (const draft of [{ title: 'member.added', kind: 'system', data: { did: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', role: 'owner' } }, { title: 'tenant.created', kind: 'system' }]) {
        const sys = await asToken(writer, 'POST', '/api/v1/spans', { body: JSON.stringify({ drafts: [draft] }) });
        expect(sys.status, sys.text).toBe(403);
        expect(json(sys).error.code).toBe('FORBIDDEN');
      }
      expect((await tenantCounts(h)).a).toBe(spansBefore);

      // a signed B span (exported by the owner) cannot be imported with an A token, nor retargeted to A
      const bLine = (await owner('GET', '/api/v1/export?tenant=b')).text.split('\n')[0];
      const retargeted = JSON.stringify({ ...JSON.parse(bLine), tenant: 'a' });
      const imp = await asToken(writer, 'POST', '/api/v1/import', { body: `${bLine}\n${retargeted}\n`, headers: { 'content-type': 'application/x-ndjson' } });
      expect(imp.status, imp.text).toBe(200);
      const items = json(imp).items as { outcome: string; code: string }[];
      expect(items.map((i) => i.outcome)).toEqual(['rejected', 'rejected']);
      expect(items[0].code).toBe('FORBIDDEN');
      expectNoLeak(imp.text, [JSON.parse(bLine).id]); // the bad-id error names the id the client sent

      const after = await tenantCounts(h);
      expect(after).toEqual({ ...before, a: before.a + 2 });
    });

    it('the event stream of an A token carries A spans only, whatever B does meanwhile', async () => {
      for (const path of ['/api/v1/events', '/api/v1/events?tenant=a']) {
        const ev = await request(`${base}${path}`, { headers: { authorization: `Bearer ${reader}` }, dispatcher: agent });
        expect(ev.statusCode).toBe(200);
        expectApiHeaders(ev.headers);
        expect(ev.headers['content-type']).toBe('application/x-ndjson');
        const events = lines(ev.body)[Symbol.asyncIterator]();
        const hello = JSON.parse((await events.next()).value as string);
        expect(hello.type).toBe('hello');
        // B first (through the daemon, then in-process), then A: in commit order, so a B leak would come first
        ownerBWrites.push((await cliOk(h, ['--tenant', 'b', 'log', `${MARK} live`])).trim());
        ownerBWrites.push((await cliOk(h, ['--tenant', 'b', 'log', `${MARK} live in-process`], { LOGLINE_DAEMON: 'false' })).trim());
        const aId = (await cliOk(h, ['log', 'a live'])).trim();
        aIds.push(aId);
        const seen: string[] = [];
        for (;;) {
          const next = await events.next();
          expect(next.done, 'the stream ended before the A span arrived').toBe(false);
          seen.push(next.value as string);
          if (JSON.parse(next.value as string).span?.id === aId) break;
        }
        await events.return?.(undefined);
        expect(seen.length).toBe(1);
        for (const line of seen) expectNoLeak(line);
      }
    });

    it('B changed only by the owner, never by a token', async () => {
      expect((await tenantCounts(h)).b).toBe(bCountStart + ownerBWrites.length);
      const now = ndjson((await owner('GET', '/api/v1/export?tenant=b')).text).map((s) => s.id);
      expect(now.sort()).toEqual([...bIds, ...ownerBWrites].sort());
    });
  });

  describe('tokens', () => {
    it('no, malformed, unknown, revoked and expired tokens get 401; /healthz needs none', async () => {
      expect(json(await tcp(agent, base, 'GET', '/healthz'))).toEqual({ status: 'ready' });
      const created = await createToken(h, 'reader');
      expect((await asToken(created.token, 'GET', '/api/v1/status')).status).toBe(200);
      const cases: TcpOptions[] = [
        {},
        { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } },
        { headers: { authorization: 'Bearer' } },
        { token: 'llt_000000000000_nope' },
        { token: created.token.slice(0, -1) },
        { token: created.token.replace(/^llt_/, '') },
      ];
      for (const c of cases) {
        const e = expectError(await tcp(agent, base, 'GET', '/api/v1/spans', c), 401, 'UNAUTHORIZED');
        expect(e.hint).toContain('token create');
      }
      // 401 comes before any route work: a write with no token stores nothing
      expectError(await tcp(agent, base, 'POST', '/api/v1/spans', { body: JSON.stringify({ drafts: [{ title: 'x' }] }) }), 401, 'UNAUTHORIZED');

      await cliOk(h, ['token', 'revoke', created.id]);
      expectError(await asToken(created.token, 'GET', '/api/v1/status'), 401, 'UNAUTHORIZED');

      const expiring = await createToken(h, 'writer');
      expect((await asToken(expiring.token, 'GET', '/api/v1/status')).status).toBe(200);
      const db = new Database(join(h.home, 'data', 'logline.db'));
      try {
        db.pragma('busy_timeout = 5000');
        expect(db.prepare('UPDATE api_tokens SET expires_at = ? WHERE id = ?').run('2000-01-01T00:00:00.000Z', expiring.id).changes).toBe(1);
      } finally {
        db.close();
      }
      expectError(await asToken(expiring.token, 'GET', '/api/v1/status'), 401, 'UNAUTHORIZED');
      expectError(await asToken(expiring.token, 'POST', '/api/v1/spans', { body: JSON.stringify({ drafts: [{ title: 'x' }] }) }), 401, 'UNAUTHORIZED');
    });

    it('a reader token may read and verify but not write', async () => {
      const before = await tenantCounts(h);
      expectError(await asToken(reader, 'POST', '/api/v1/spans', { body: JSON.stringify({ drafts: [{ title: 'x' }] }) }), 403, 'FORBIDDEN');
      expectError(await asToken(reader, 'POST', '/api/v1/import', { body: '{}\n', headers: { 'content-type': 'application/x-ndjson' } }), 403, 'FORBIDDEN');
      expect((await asToken(reader, 'POST', '/api/v1/verify', { body: '{}' })).status).toBe(200);
      expect(await tenantCounts(h)).toEqual(before);
    });

    it('a token acts as the identity that created it, and loses what that identity\'s role loses', async () => {
      const tok = JSON.parse(await cliOk(h, ['--json', 'id', 'create', '--handle', 'tok'])) as { did: string };
      await cliOk(h, ['member', 'add', 'tok', '--role', 'member']);
      const { token } = JSON.parse(await cliOk(h, ['--json', 'token', 'create', '--role', 'writer', '--as', 'tok'])) as { token: string };
      const append = () => asToken(token, 'POST', '/api/v1/spans', { body: JSON.stringify({ drafts: [{ title: 'by tok\'s token' }] }) });
      const first = await append();
      expect(first.status, first.text).toBe(201);
      expect((json(first) as { spans: WireSpan[] }).spans[0]).toMatchObject({ author: tok.did, seq: 1 });
      // made a viewer: the writer token only reads
      await cliOk(h, ['member', 'role', 'tok', 'viewer']);
      expect(expectError(await append(), 403, 'FORBIDDEN').message).toMatch(/\(tok\) is a viewer of a now: the token may only read/);
      expect((await asToken(token, 'GET', '/api/v1/spans?limit=1')).status).toBe(200);
      // removed: the token does nothing at all
      await cliOk(h, ['member', 'remove', 'tok']);
      expect(expectError(await asToken(token, 'GET', '/api/v1/spans?limit=1'), 403, 'FORBIDDEN').message).toMatch(/\(tok\) is no longer a member of a/);
      expect((await cliAsync(['--home', h.home, '--json', 'token', 'list'])).stdout).toMatch(/"identity": "tok"/);
    });

    it('create prints the secret once, on stdout; list never prints secrets', async () => {
      const r = await cliAsync(['--home', h.home, 'token', 'create', '--role', 'reader', '--ttl', '30d']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^llt_[0-9a-f]{12}_[A-Za-z0-9_-]{32}\n$/);
      const secret = r.stdout.trim();
      expect(r.stderr).not.toContain(secret.slice(17));
      expect(r.stderr).toMatch(/reader of a as dan, expires .*shown only now/);
      expect((await asToken(secret, 'GET', '/api/v1/status')).status).toBe(200);
      for (const args of [['token', 'list'], ['--json', 'token', 'list']]) {
        const l = await cliAsync(['--home', h.home, ...args]);
        expect(l.code).toBe(0);
        const out = l.stdout + l.stderr;
        expect(out).toContain(secret.split('_')[1]); // the id is listed
        for (const s of [secret, reader, writer]) expect(out).not.toContain(s.slice(17));
        expect(out).not.toMatch(/llt_[0-9a-f]{12}_/);
      }
    });
  });

  describe('bad input over the unix socket', () => {
    it('malformed, empty, oversized and partly invalid batches get clear errors and store nothing', async () => {
      const before = await tenantCounts(h);
      const bad = expectError(await sock(socket, 'POST', '/api/v1/spans', '{"drafts":[{"title":'), 400, 'BAD_JSON');
      expect(bad.hint).toBeTruthy();
      expectError(await sock(socket, 'POST', '/api/v1/spans', '{"title":"no drafts"}'), 400, 'BAD_REQUEST');
      expectError(await owner('POST', '/api/v1/spans', { drafts: [] }), 400, 'BAD_REQUEST');
      const big = await owner('POST', '/api/v1/spans', { drafts: Array.from({ length: 1001 }, (_, i) => ({ tenant: 'a', title: `t${i}` })) });
      expect(big.status).toBeGreaterThanOrEqual(400);
      expect(big.status).toBeLessThan(500);
      expect(json(big).error.code).toBe('BATCH_TOO_LARGE');

      const valid = (i: number) => JSON.stringify({ tenant: 'a', title: `valid ${i}` });
      const batch = [valid(1), valid(2), JSON.stringify({ tenant: 'a', title: 'x', nope: true }), valid(4), JSON.stringify({ tenant: 'a' })].join('\n');
      const rejected = expectError(await sock(socket, 'POST', '/api/v1/spans', batch, { 'content-type': 'application/x-ndjson' }), 422, 'BATCH_REJECTED');
      const lineErrors = rejected.details?.lines as { line: number; code: string; message: string }[];
      expect(lineErrors.map((l) => l.line)).toEqual([3, 5]);
      for (const l of lineErrors) expect(l.code).toMatch(/^[A-Z_]+$/);

      const notJson = [valid(1), '{"tenant":', valid(3)].join('\n');
      const rej2 = expectError(await sock(socket, 'POST', '/api/v1/spans', notJson, { 'content-type': 'application/x-ndjson' }), 422, 'BATCH_REJECTED');
      expect(rej2.details?.lines).toEqual([expect.objectContaining({ line: 2, code: 'BAD_JSON' })]);

      expect(await tenantCounts(h)).toEqual(before);
    });

    it('unknown routes, wrong methods, bad paths and bad parameters', async () => {
      expectError(await owner('GET', '/api/v1/nope'), 404, 'ROUTE_NOT_FOUND');
      expectError(await owner('GET', '/'), 404, 'ROUTE_NOT_FOUND');
      expectError(await owner('GET', '/api/v2/status'), 404, 'ROUTE_NOT_FOUND');
      expectError(await owner('DELETE', '/api/v1/spans'), 405, 'METHOD_NOT_ALLOWED');
      expectError(await owner('POST', '/api/v1/status'), 405, 'METHOD_NOT_ALLOWED');
      expectError(await owner('GET', '/api/v1/spans/%E0%A4%A'), 400, 'BAD_PATH');
      expectError(await owner('GET', '/api/v1/spans/not-hex'), 400, 'BAD_SPAN_REF');
      expectError(await owner('GET', '/api/v1/spans?limit=abc'), 400, 'BAD_LIMIT');
      expectError(await owner('GET', '/api/v1/spans?since=yesterday'), 400, 'BAD_TIME');
      expectError(await owner('GET', '/api/v1/spans?cursor=bm9wZQ'), 400, 'BAD_CURSOR');
      // the daemon is still fine
      expect(json(await owner('GET', '/healthz'))).toEqual({ status: 'ready' });
    });

    it('a client that stalls mid-request does not hold up others', async () => {
      const stalled: Socket[] = [];
      const open = (data: string) => new Promise<Socket>((resolve, reject) => {
        const s = netConnect(socket, () => { s.write(data); resolve(s); });
        s.on('error', reject);
        stalled.push(s);
      });
      try {
        await open('GET /api/v1/status HTTP/1.1\r\nHost: logline\r\nAcc');
        await open('POST /api/v1/spans HTTP/1.1\r\nHost: logline\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"drafts":[{"ten');
        const started = Date.now();
        const results = await Promise.all([
          owner('GET', '/api/v1/status'),
          owner('GET', '/api/v1/spans?limit=5'),
          owner('POST', '/api/v1/spans', { drafts: [{ tenant: 'a', title: 'while others stall' }] }),
          asToken(reader, 'GET', '/api/v1/spans?limit=5'),
        ]);
        expect(results.map((r) => r.status)).toEqual([200, 200, 201, 200]);
        aIds.push(json(results[2]).spans[0].id);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        for (const s of stalled) s.destroy();
      }
    });

    it('an export whose reader stalls does not hold up others, and it resumes intact', async () => {
      const total = json(await owner('GET', '/api/v1/status')).spans as number;
      // ~1.3 MB of NDJSON: far more than the socket buffers, so the daemon must wait for this reader
      const chunks: Buffer[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        const req = httpRequest({ socketPath: socket, path: '/api/v1/export', agent: false }, (res) => {
          expect(res.statusCode).toBe(200);
          res.once('data', (c: Buffer) => {
            chunks.push(c);
            res.pause();
            void (async () => {
              // meanwhile: writes, reads and the event tail's poll all run on the node's connection
              const r = await Promise.all([
                owner('POST', '/api/v1/spans', { drafts: [{ tenant: 'a', title: 'while an export stalls' }] }),
                owner('GET', '/api/v1/spans?limit=5'),
                owner('POST', '/api/v1/verify', { ids: [aIds[0]] }),
              ]);
              expect(r.map((x) => x.status)).toEqual([201, 200, 200]);
              aIds.push(json(r[0]).spans[0].id);
              await new Promise((t) => setTimeout(t, 60)); // two ticks of the event tail's 25 ms poll
              expect(json(await owner('GET', '/healthz'))).toEqual({ status: 'ready' });
              res.on('data', (d: Buffer) => chunks.push(d));
              res.on('end', () => resolve());
              res.resume();
            })().catch(reject);
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      await ended;
      const spans = ndjson(Buffer.concat(chunks).toString('utf8'));
      expect(spans.length).toBe(total);
      expect(new Set(spans.map((x) => x.id)).size).toBe(total);
    });

    it('an event subscriber that never reads is dropped; one that reads gets every span', async () => {
      const gauge = async () => subscriberGauge((await owner('GET', '/metrics')).text);
      // streams closed by earlier tests are unsubscribed when the daemon sees their sockets close
      for (let i = 0; (await gauge()) !== 0; i++) {
        expect(i, 'earlier event streams are still subscribed').toBeLessThan(100);
        await new Promise((r) => setTimeout(r, 20));
      }
      // the stalled one: sends its request, then never reads again
      let slowBytes = 0;
      const slow = await new Promise<Socket>((resolve, reject) => {
        const s = netConnect(socket, () => s.write('GET /api/v1/events?tenant=a HTTP/1.1\r\nHost: logline\r\n\r\n'));
        s.on('data', (d: Buffer) => { slowBytes += d.length; });
        s.once('data', () => { s.pause(); resolve(s); });
        s.on('error', reject);
      });
      const slowClosed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
      const client = await connect({ home: h.home });
      const ac = new AbortController();
      try {
        const stream = client.subscribe({ tenant: 'a' }, ac.signal)[Symbol.asyncIterator]();
        expect((await stream.next()).value?.type).toBe('hello');
        expect(await gauge()).toBe(2);
        let received = 0;
        const blob = 'x'.repeat(30_000);
        let batches = 0;
        while ((await gauge()) === 2) {
          expect(batches, 'the stalled subscriber was never dropped').toBeLessThan(6);
          const spans = await appendOwner(Array.from({ length: 100 }, (_, i) => ({ tenant: 'a', title: `big ${batches}.${i}`, data: { blob } })));
          aIds.push(...spans.map((s) => s.id));
          batches++;
          // the reader takes in the whole batch before the next one (it is never more than 4 MiB behind)
          while (received < batches * 100) {
            const e = await stream.next();
            expect(e.done).toBe(false);
            if (e.value?.type === 'span') received++;
          }
        }
        expect(batches).toBeGreaterThanOrEqual(2); // > 4 MiB had to pile up first
        expect(await gauge()).toBe(1);
        expect(received).toBe(batches * 100);
        // the reader still gets new spans
        const [last] = await appendOwner([{ tenant: 'a', title: 'after the drop' }]);
        aIds.push(last.id);
        const e = await stream.next();
        expect(e.value).toMatchObject({ type: 'span', span: { id: last.id } });
        // dropped means disconnected: once it reads again it finds the stream cut, not 4 MiB of backlog kept for it
        slow.on('error', () => {});
        slow.resume();
        await slowClosed;
        expect(slowBytes).toBeLessThan(4 * 1024 * 1024);
      } finally {
        ac.abort();
        slow.destroy();
        await client.close();
      }
    });
  });

  describe('typed client: connect()', () => {
    it('append, get, query over the socket, and events of a span another process appended in-process', async () => {
      const client = await connect({ home: h.home });
      const ac = new AbortController();
      try {
        const [span] = await client.append({ drafts: [{ tenant: 'a', title: 'typed client span', tags: ['typed'] }] });
        aIds.push(span.id);
        expect(span).toMatchObject({ tenant: 'a', title: 'typed client span', tags: ['typed'] });
        expect(span.id).toMatch(/^[0-9a-f]{64}$/);
        expect(await client.get(span.id)).toEqual(span);
        expect(await client.get(span.id.slice(0, 16))).toEqual(span);
        const page = await client.query({ tenant: 'a', tags: ['typed'] });
        expect(page.spans).toEqual([span]);
        expect(page.next).toBeNull();
        await expect(client.get(randomHex(64, []))).rejects.toMatchObject({ code: 'SPAN_NOT_FOUND' });

        const events = client.subscribe({ tenant: 'a' }, ac.signal)[Symbol.asyncIterator]();
        expect((await events.next()).value).toMatchObject({ type: 'hello', version: VERSION });
        // another process, not through the daemon: the daemon notices the commit in the shared store
        const id = (await cliOk(h, ['log', 'written in-process', '--tag', 'cross'], { LOGLINE_DAEMON: 'false' })).trim();
        aIds.push(id);
        const e = await events.next();
        expect(e.value).toMatchObject({ type: 'span', span: { id, tenant: 'a', title: 'written in-process', tags: ['cross'] }, from: null });
        ac.abort();
        expect((await events.next()).done).toBe(true);
      } finally {
        ac.abort();
        await client.close();
      }
    });

    it('over TCP with a token it sees only the token\'s tenant', async () => {
      const client = await connect({ url: base, token: reader });
      try {
        const page = await client.query({ limit: 1000 });
        expect(page.spans.length).toBeGreaterThan(0);
        expect(page.spans.every((s) => s.tenant === 'a')).toBe(true);
        await expect(client.get(bSpans[0].id)).rejects.toMatchObject({ code: 'SPAN_NOT_FOUND' });
        await expect(client.query({ tenant: 'b' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
        await expect(client.append({ drafts: [{ tenant: 'a', title: 'reader' }] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      } finally {
        await client.close();
      }
    });
  });
});

describe('per-token limits', () => {
  let h: Home;
  let socket: string;
  let base: string;
  const agent = new Agent({ keepAliveTimeout: 1000 });

  beforeAll(async () => {
    h = initHome('dan', 'a');
    ({ socket, base } = await startNode(h, { LOGLINE_TOKEN_BODY_LIMIT: '2048', LOGLINE_TOKEN_RATE: '2' }));
  });

  afterAll(async () => {
    await agent.destroy();
    await stopNode(h);
  });

  it('a body over the token body limit gets 413; the socket keeps its own limit', async () => {
    const [t1, t2] = await Promise.all([createToken(h, 'writer'), createToken(h, 'writer')]);
    const draft = (size: number) => JSON.stringify({ drafts: [{ title: 'big', data: { pad: 'x'.repeat(size) } }] });
    expect(draft(2100).length).toBeGreaterThan(2048);
    const e = expectError(await tcp(agent, base, 'POST', '/api/v1/spans', { token: t1.token, body: draft(2100) }), 413, 'BODY_TOO_LARGE');
    expect(e.message).toContain('2048');
    // no content-length (chunked): refused as it streams in
    expectError(await tcp(agent, base, 'POST', '/api/v1/spans', { token: t1.token, body: Readable.from([Buffer.from(draft(3000))]) }), 413, 'BODY_TOO_LARGE');
    expect((await tcp(agent, base, 'POST', '/api/v1/spans', { token: t1.token, body: draft(1500) })).status).toBe(201);
    // every route that reads a body honours it
    expectError(await tcp(agent, base, 'POST', '/api/v1/verify', { token: t2.token, body: JSON.stringify({ ids: Array.from({ length: 400 }, () => 'abcd') }) }), 413, 'BODY_TOO_LARGE');
    expectError(await tcp(agent, base, 'POST', '/api/v1/import', { token: t2.token, body: `${'{}\n'.repeat(1000)}`, headers: { 'content-type': 'application/x-ndjson' } }), 413, 'BODY_TOO_LARGE');
    expect((await sock(socket, 'POST', '/api/v1/spans', JSON.stringify({ drafts: [{ tenant: 'a', title: 'big', data: { pad: 'x'.repeat(3000) } }] }))).status).toBe(201);
  });

  it('past the rate, 429 with Retry-After, for that token only', async () => {
    const [t1, t2] = await Promise.all([createToken(h, 'reader'), createToken(h, 'reader')]);
    // rate 2/s, burst 4
    const results = await Promise.all(Array.from({ length: 8 }, () => tcp(agent, base, 'GET', '/api/v1/status', { token: t1.token })));
    const limited = results.filter((r) => r.status === 429);
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(4);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    for (const r of limited) {
      expectError(r, 429, 'RATE_LIMITED');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect((await tcp(agent, base, 'GET', '/api/v1/status', { token: t2.token })).status).toBe(200);
    expect((await sock(socket, 'GET', '/api/v1/status')).status).toBe(200);
    // Retry-After is honest
    await new Promise((r) => setTimeout(r, Number(limited[0].headers['retry-after']) * 1000));
    expect((await tcp(agent, base, 'GET', '/api/v1/status', { token: t1.token })).status).toBe(200);
  });
});

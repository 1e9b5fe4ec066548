/**
 * docs/openapi.json kept true: a real daemon (the built binary) serves it at /api/v1/openapi.json, every route
 * of ROUTES is in it with its method and scope (and nothing else is), and real responses of the routes validate
 * against the schemas it gives for their status and content type. Rebuild (`npm run build`) after a change
 * under src/ before running this file: the daemon runs dist/.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteDef } from '../api/routes.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { initHome } from '../testing/cli.js';
import { createToken, exportSpans, startHttpDaemon } from '../testing/daemon.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Res { status: number; type: string; text: string }

const DOC: Json = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'docs', 'openapi.json'), 'utf8'));
const DOC_ID = 'https://logline.invalid/openapi.json';
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ ...DOC, $id: DOC_ID });

/** The document's path of a route: `:param` segments become `{param}`. */
const docPath = (path: string) => path.replace(/:([a-z]+)/g, '{$1}');
const pointer = (...parts: string[]) => parts.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/**
 * Validates a real response against the document: the operation of the route, the response of the status (or
 * `default`), the content type, and for JSON the schema.
 */
function expectDocumented(route: RouteDef, res: Res): void {
  const op = DOC.paths[docPath(route.path)]?.[route.method.toLowerCase()];
  expect(op, `${route.method} ${route.path} is not in the document`).toBeDefined();
  let where = [`paths`, docPath(route.path), route.method.toLowerCase(), 'responses'];
  let response = op.responses[String(res.status)];
  if (response === undefined) {
    response = op.responses.default;
    where.push('default');
  } else {
    where.push(String(res.status));
  }
  expect(response, `${route.name}: status ${res.status} is not documented (${res.text.slice(0, 200)})`).toBeDefined();
  if (typeof response.$ref === 'string') {
    where = response.$ref.slice(2).split('/');
    response = where.reduce((node: Json, key) => node[key], DOC);
  }
  expect(Object.keys(response.content ?? {}), `${route.name}: content type of a ${res.status}`).toContain(res.type);
  if (res.type !== 'application/json') return;
  const validate = ajv.compile({ $ref: `${DOC_ID}#${pointer(...where, 'content', res.type, 'schema')}` });
  const body: unknown = JSON.parse(res.text);
  expect(validate(body), `${route.name} ${res.status}: ${ajv.errorsText(validate.errors)}\n${res.text.slice(0, 500)}`).toBe(true);
}

interface CallOptions { body?: string; type?: string; token?: string; accept?: string }

function call(target: { socket: string } | { base: string }, method: string, path: string, opts: CallOptions = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.accept) headers.accept = opts.accept;
    const where = 'socket' in target ? { socketPath: target.socket } : { host: new URL(target.base).hostname, port: Number(new URL(target.base).port) };
    const req = httpRequest({ ...where, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const done = () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? '').split(';')[0], text: Buffer.concat(chunks).toString('utf8') });
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        // the event stream stays open: its hello line is enough
        if (path.includes('/events') && Buffer.concat(chunks).includes('\n')) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('the OpenAPI document and the daemon that serves it', () => {
  let h: ReturnType<typeof initHome>;
  let socket: { socket: string };
  let tcp: { base: string };
  let stop: () => Promise<void>;
  let writer: string;

  beforeAll(async () => {
    h = initHome('dan', 'acme');
    const daemon = await startHttpDaemon(h);
    stop = daemon.stop;
    tcp = { base: daemon.base };
    socket = { socket: join(h.home, 'run', 'node.sock') };
    writer = await createToken(h, 'writer');
  });

  afterAll(async () => {
    await stop?.();
    h?.cleanup();
  });

  it('serves docs/openapi.json as it is in the package, without a token', async () => {
    const res = await call(tcp, 'GET', ROUTES.openapi.path);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual(DOC);
    expect(DOC.openapi).toMatch(/^3\.1\./);
  });

  it('documents every route with its method and scope, and no route that does not exist', () => {
    const routes = Object.values(ROUTES) as RouteDef[];
    for (const route of routes) {
      const op = DOC.paths[docPath(route.path)]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op['x-logline-scope'], route.name).toBe(route.scope);
      expect(op.operationId).toBe(route.name);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    const documented = Object.entries(DOC.paths as Json).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${docPath(r.path)}`).sort());
  });

  it('every schema compiles and every $ref resolves', () => {
    for (const name of Object.keys(DOC.components.schemas)) {
      expect(() => ajv.compile({ $ref: `${DOC_ID}#${pointer('components', 'schemas', name)}` }), name).not.toThrow();
    }
    const refs = JSON.stringify(DOC).match(/"\$ref":"#[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      const target = ref.slice(10, -1).split('/').reduce((node: Json | undefined, key) => node?.[key], DOC);
      expect(target, ref).toBeDefined();
    }
  });

  it('real responses of the span routes validate against their schemas', async () => {
    const appended = await call(socket, 'POST', ROUTES.append.path, { body: JSON.stringify({ drafts: [
      { tenant: 'acme', title: 'Deployed api v2.3', tags: ['prod', 'deploy'], data: { sha: 'ab12' }, delta_s: 1.5 },
      { tenant: 'acme', title: 'a private note', visibility: 'private' },
    ] }) });
    expect(appended.status).toBe(201);
    expectDocumented(ROUTES.append, appended);
    const [span] = (JSON.parse(appended.text) as { spans: { id: string }[] }).spans;
    const ndjson = await call(tcp, 'POST', ROUTES.append.path, { token: writer, type: 'application/x-ndjson', body: '{"tenant":"acme","title":"by token"}\n' });
    expect(ndjson.status).toBe(201);
    expectDocumented(ROUTES.append, ndjson);

    for (const [route, path] of [
      [ROUTES.query, `${ROUTES.query.path}?tenant=acme&limit=2`],
      [ROUTES.query, `${ROUTES.query.path}?tag=deploy&text=deployed`],
      [ROUTES.get, ROUTES.get.path.replace(':id', span.id.slice(0, 8))],
      [ROUTES.export, `${ROUTES.export.path}?tenant=acme`],
    ] as const) {
      const res = await call(socket, 'GET', path);
      expect(res.status, path).toBe(200);
      expectDocumented(route, res);
    }
    const exported = await exportSpans(h);
    const validSpan = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/Span` });
    for (const s of exported) expect(validSpan(s), ajv.errorsText(validSpan.errors)).toBe(true);
    // the check has teeth: what the format forbids does not validate
    expect(validSpan({ ...exported[0], extra: 1 })).toBe(false);
    expect(validSpan({ ...exported[0], ts: '2026-11-28T13:02:53Z' })).toBe(false);

    const imported = await call(socket, 'POST', ROUTES.ingest.path, { type: 'application/x-ndjson', body: `${JSON.stringify(exported[0])}\nnot json\n` });
    expect(imported.status).toBe(200);
    expectDocumented(ROUTES.ingest, imported);
    expect(JSON.parse(imported.text).items.map((i: { outcome: string }) => i.outcome)).toEqual(['duplicate', 'rejected']);

    const verified = await call(socket, 'POST', ROUTES.verify.path, { body: '{"tenant":"acme"}' });
    expect(verified.status).toBe(200);
    expectDocumented(ROUTES.verify, verified);
  });

  it('real responses of the node, tenant, event and OTLP routes validate against their schemas', async () => {
    for (const [route, path, target] of [
      [ROUTES.healthz, ROUTES.healthz.path, tcp],
      [ROUTES.status, ROUTES.status.path, socket],
      [ROUTES.tenants, ROUTES.tenants.path, socket],
      [ROUTES.members, ROUTES.members.path.replace(':slug', 'acme'), socket],
      [ROUTES.peers, ROUTES.peers.path, socket],
      [ROUTES.metrics, ROUTES.metrics.path, socket],
    ] as const) {
      const res = await call(target, 'GET', path);
      expect(res.status, path).toBe(200);
      expectDocumented(route, res);
    }
    const status = await call(tcp, 'GET', ROUTES.status.path, { token: writer });
    expectDocumented(ROUTES.status, status);

    for (const accept of [undefined, 'text/event-stream']) {
      const events = await call(socket, 'GET', `${ROUTES.events.path}?tenant=acme`, { accept });
      expect(events.status).toBe(200);
      expectDocumented(ROUTES.events, events);
      const line = accept ? events.text.split('\n').find((l) => l.startsWith('data: '))!.slice(6) : events.text.split('\n')[0];
      const validEvent = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/Event` });
      expect(validEvent(JSON.parse(line)), ajv.errorsText(validEvent.errors)).toBe(true);
    }

    const traceId = '5b8efff798038103d269b633813fc60c';
    const otlp = await call(tcp, 'POST', ROUTES.otlpTraces.path, { token: writer, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{
      traceId, spanId: 'eee19b7ec3c1b174', name: 'GET /users', kind: 2, startTimeUnixNano: '1764500000000000000', endTimeUnixNano: '1764500000250000000',
    }] }] }] }) });
    expect(otlp.status, otlp.text).toBe(200);
    expectDocumented(ROUTES.otlpTraces, otlp);
  });

  it('real responses of the task routes validate against their schemas', async () => {
    const added = await call(socket, 'POST', ROUTES.taskAdd.path, { body: JSON.stringify({ tenant: 'acme', type: 'emit', payload: { title: 'nightly report sent' } }) });
    expect(added.status, added.text).toBe(201);
    expectDocumented(ROUTES.taskAdd, added);
    const later = await call(tcp, 'POST', ROUTES.taskAdd.path, { token: writer, body: JSON.stringify({ type: 'emit', payload: { title: 'later' }, at: '2099-01-01T00:00:00.000Z', priority: 'low' }) });
    expect(later.status, later.text).toBe(201);
    expectDocumented(ROUTES.taskAdd, later);
    const id = String((JSON.parse(later.text) as { id: number }).id);
    for (const [route, method, path] of [
      [ROUTES.tasks, 'GET', `${ROUTES.tasks.path}?status=queued,succeeded&limit=10`],
      [ROUTES.task, 'GET', ROUTES.task.path.replace(':id', id)],
      [ROUTES.taskCancel, 'POST', ROUTES.taskCancel.path.replace(':id', id)],
      [ROUTES.taskRetry, 'POST', ROUTES.taskRetry.path.replace(':id', id)],
    ] as const) {
      const res = await call(socket, method, path);
      expect(res.status, `${path}: ${res.text}`).toBe(200);
      expectDocumented(route, res);
    }
    const unknown = await call(socket, 'GET', ROUTES.task.path.replace(':id', '999999'));
    expect(unknown.status).toBe(404);
    expectDocumented(ROUTES.task, unknown);
  });

  it('errors of the routes are documented and validate against the Error schema', async () => {
    const cases: [RouteDef, Promise<Res>, number][] = [
      [ROUTES.sync, call(socket, 'POST', ROUTES.sync.path), 422], // the harness runs daemons without p2p
      [ROUTES.join, call(socket, 'POST', ROUTES.join.path, { body: '{}' }), 422],
      [ROUTES.get, call(socket, 'GET', ROUTES.get.path.replace(':id', 'ffffffff')), 404],
      [ROUTES.query, call(tcp, 'GET', ROUTES.query.path), 401],
      [ROUTES.peers, call(tcp, 'GET', ROUTES.peers.path, { token: writer }), 403],
      [ROUTES.query, call(socket, 'GET', `${ROUTES.query.path}?limit=x`), 400],
      [ROUTES.append, call(socket, 'POST', ROUTES.append.path, { body: JSON.stringify({ drafts: [{ tenant: 'nowhere', title: 'x' }] }) }), 422],
    ];
    for (const [route, pending, expected] of cases) {
      const res = await pending;
      expect(res.status, `${route.name}: ${res.text}`).toBe(expected);
      expectDocumented(route, res);
    }
  });
});

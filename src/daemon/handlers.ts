import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { MAX_BATCH, NDJSON, ROUTES, SSE } from '../api/routes.js';
import { filtersFromParams } from '../api/filters.js';
import type { AppendRequest, QueryFilters } from '../api/types.js';
import { LoglineError } from '../errors/errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { findSpanRow, rowSpan } from '../timeline/query.js';
import type { SpanDraft } from '../timeline/span.js';
import type { DaemonNode } from './node.js';
import { frameEvent, type EventFormat } from './events.js';
import { baseHeaders, parseJson, parseNdjson, readBody, sendJson } from './http.js';
import { registerOtlp } from './otlp.js';
import type { Auth, RequestContext, Router } from './router.js';
import { registerTaskRoutes } from './task-routes.js';

/** Max bytes queued to one event subscriber before it is considered too slow and dropped. */
const MAX_SUBSCRIBER_BACKLOG = 4 * 1024 * 1024;

/** The routes of SPEC §9 as thin adapters over the node's in-process client. */
export function registerRoutes(router: Router, node: DaemonNode): void {
  const findRow = (ref: string, auth: Auth) => findSpanRow(node.home.repo, ref, auth.kind === 'token' ? auth.tenant : undefined);

  router.register(ROUTES.healthz, ({ res }) => sendJson(res, node.state === 'ready' ? 200 : 503, { status: node.state }));

  // the document ships in the package (docs/openapi.json); read once, on the first request
  let openapi: Buffer | undefined;
  router.register(ROUTES.openapi, ({ res }) => {
    openapi ??= readFileSync(join(PACKAGE_ROOT, 'docs', 'openapi.json'));
    res.writeHead(200, { ...baseHeaders(), 'content-type': 'application/json', 'content-length': openapi.length });
    res.end(openapi);
  });

  router.register(ROUTES.status, async ({ res, auth }) => {
    const status = await node.status();
    if (auth.kind === 'token') {
      status.tenants = status.tenants.filter((t) => t.tenant === auth.tenant);
      status.spans = status.tenants.reduce((n, t) => n + t.spans, 0);
    }
    sendJson(res, 200, status);
  });

  router.register(ROUTES.metrics, ({ res, auth }) => {
    const text = node.metrics.render(auth.kind === 'token' ? auth.tenant : undefined);
    res.writeHead(200, { ...baseHeaders(), 'content-type': 'text/plain; version=0.0.4' });
    res.end(text);
  });

  router.register(ROUTES.append, async ({ req, res, url, auth }) => {
    const body = await readBody(req, node.maxBody(auth));
    let request: AppendRequest;
    if ((req.headers['content-type'] ?? '').startsWith(NDJSON)) {
      const lines = parseNdjson(body);
      const bad = lines.map((l, i) => (l instanceof Error ? { line: i + 1, code: 'BAD_JSON', message: l.message } : null)).filter((x) => x !== null);
      if (bad.length > 0) throw new LoglineError('BATCH_REJECTED', `${bad.length} lines are not JSON; nothing was stored`, { details: { lines: bad } });
      request = { drafts: lines as AppendRequest['drafts'], identity: url.searchParams.get('as') ?? undefined };
    } else {
      const parsed = parseJson(body) as AppendRequest;
      if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.drafts)) {
        throw new LoglineError('BAD_REQUEST', 'the body must be {"drafts":[…]}', { hint: 'or send NDJSON drafts with content-type application/x-ndjson' });
      }
      request = parsed;
    }
    if (request.drafts.length === 0) throw new LoglineError('BAD_REQUEST', 'no spans to append');
    if (request.drafts.length > MAX_BATCH) throw new LoglineError('BATCH_TOO_LARGE', `at most ${MAX_BATCH} spans per request`, { hint: 'split the batch' });
    request.drafts = request.drafts.map((d) => scopeDraft(d, auth));
    if (auth.kind === 'token') request.identity = auth.identity; // a token writes as the identity that created it
    const started = process.hrtime.bigint();
    const spans = await node.client.append(request);
    node.appended(spans, Number(process.hrtime.bigint() - started) / 1e9);
    sendJson(res, 201, { spans });
  });

  router.register(ROUTES.query, async ({ res, url, auth }) => {
    sendJson(res, 200, await node.client.query(scopeFilters(filtersFromParams(url.searchParams), auth)));
  });

  router.register(ROUTES.get, ({ res, params, auth }) => {
    sendJson(res, 200, rowSpan(findRow(params.id, auth)));
  });

  router.register(ROUTES.ingest, async ({ req, res, auth }) => {
    const lines = parseNdjson(await readBody(req, node.maxBody(auth)));
    if (lines.length > MAX_BATCH) throw new LoglineError('BATCH_TOO_LARGE', `at most ${MAX_BATCH} spans per request`, { hint: 'split the batch' });
    const items = new Array(lines.length);
    const pass: { i: number; span: unknown }[] = [];
    lines.forEach((l, i) => {
      if (l instanceof Error) items[i] = { outcome: 'rejected', code: 'BAD_JSON', message: l.message };
      else if (auth.kind === 'token' && (l as { tenant?: unknown })?.tenant !== auth.tenant) items[i] = { outcome: 'rejected', code: 'FORBIDDEN', message: 'the span is not of this token\'s tenant' };
      else pass.push({ i, span: l });
    });
    const results = await node.client.ingest(pass.map((p) => p.span));
    results.forEach((r, k) => { items[pass[k].i] = r; });
    sendJson(res, 200, { items });
  });

  router.register(ROUTES.export, async ({ res, url, auth }) => {
    const filters = scopeFilters(filtersFromParams(url.searchParams), auth);
    res.writeHead(200, { ...baseHeaders(), 'content-type': NDJSON });
    let chunk = '';
    for await (const line of node.client.exportLines(filters)) {
      chunk += `${line}\n`;
      if (chunk.length > 65536) {
        if (!res.write(chunk)) await drained(res);
        chunk = '';
        if (res.destroyed) return;
      }
    }
    res.end(chunk);
  });

  router.register(ROUTES.verify, async ({ req, res, auth }) => {
    const body = parseJson(await readBody(req, Math.min(node.maxBody(auth), 1024 * 1024))) as { tenant?: string; ids?: string[] } | null;
    const scope = { tenant: body?.tenant, ids: Array.isArray(body?.ids) ? body.ids.map(String) : undefined };
    if (auth.kind === 'token') {
      if (scope.tenant !== undefined && scope.tenant !== auth.tenant) throw forbidden();
      scope.tenant = auth.tenant;
      scope.ids = scope.ids?.map((id) => findRow(id, auth).id.toString('hex'));
    }
    sendJson(res, 200, await node.client.verify(scope));
  });

  router.register(ROUTES.events, (ctx) => streamEvents(ctx, node));

  router.register(ROUTES.join, async ({ req, res }) => {
    if (!node.federation) throw new LoglineError('P2P_OFF', 'this daemon does not listen for peers, and joining needs libp2p', { hint: 'restart it with --listen, or stop it and join without a daemon' });
    const body = parseJson(await readBody(req, 64 * 1024)) as { token?: unknown; identity?: unknown } | null;
    if (typeof body?.token !== 'string' || typeof body.identity !== 'string') throw new LoglineError('BAD_REQUEST', 'the body must be {"token","identity"}');
    sendJson(res, 200, await node.federation.join(body.token, body.identity));
  });

  router.register(ROUTES.tenants, async ({ res, auth }) => {
    const tenants = await node.client.tenants();
    sendJson(res, 200, { tenants: auth.kind === 'token' ? tenants.filter((t) => t.slug === auth.tenant) : tenants });
  });

  router.register(ROUTES.members, async ({ res, params, auth }) => {
    if (auth.kind === 'token' && params.slug !== auth.tenant) throw forbidden();
    sendJson(res, 200, { members: await node.client.members(params.slug) });
  });

  router.register(ROUTES.peers, async ({ res }) => sendJson(res, 200, { peers: await node.peers() }));

  router.register(ROUTES.sync, async ({ res }) => {
    if (!node.federation) throw new LoglineError('P2P_OFF', 'this daemon does not listen for peers', { hint: 'start it with --listen, or set listen in the config' });
    await node.federation.syncRound();
    sendJson(res, 200, { peers: await node.peers() });
  });

  registerOtlp(router, node);
  registerTaskRoutes(router, node);
}

function streamEvents({ req, res, url, auth }: RequestContext, node: DaemonNode): void {
  const filters = scopeFilters(filtersFromParams(url.searchParams), auth);
  const format: EventFormat = url.searchParams.get('format') === 'sse' || (req.headers.accept ?? '').includes(SSE) ? 'sse' : 'ndjson';
  res.writeHead(200, { ...baseHeaders(), 'content-type': format === 'sse' ? SSE : NDJSON, 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(frameEvent(format, 'hello', JSON.stringify({ type: 'hello', node: node.did, version: node.version })));
  const unsubscribe = node.hub.subscribe({
    filters,
    format,
    send: (chunk) => {
      if (res.destroyed || res.writableLength > MAX_SUBSCRIBER_BACKLOG) {
        res.destroy(); // frees its backlog now; ending would keep it buffered for as long as the client stalls
        return false;
      }
      res.write(chunk);
      // node:http corks the socket and writes in a later tick, where every subscriber of the pump would be
      // written at once: write now, inside the hub's time slice
      res.socket?.uncork();
      return true;
    },
    close: () => res.end(),
  });
  req.socket.setTimeout(0);
  res.on('close', unsubscribe);
}

/** Resolves when the response can take more, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function forbidden(): LoglineError {
  return new LoglineError('FORBIDDEN', 'this token is for another tenant', { hint: 'a token acts only on the tenant it was created for' });
}

/** A token's tenant is the request's tenant; asking for another one is refused, never silently widened. */
function scopeFilters(filters: QueryFilters, auth: Auth): QueryFilters {
  if (auth.kind !== 'token') return filters;
  if (filters.tenant !== undefined && filters.tenant !== auth.tenant) throw forbidden();
  return { ...filters, tenant: auth.tenant };
}

function scopeDraft(draft: SpanDraft & { tenant: string }, auth: Auth): SpanDraft & { tenant: string } {
  if (auth.kind !== 'token' || draft === null || typeof draft !== 'object') return draft;
  if (draft.tenant !== undefined && draft.tenant !== auth.tenant) throw forbidden();
  // members, roles, rules and trust are the node owner's to change, never a token's
  if (draft.kind === 'system') throw new LoglineError('FORBIDDEN', 'a token cannot write system spans', { hint: 'tenant and member changes are made with the CLI on the node' });
  return { ...draft, tenant: auth.tenant };
}

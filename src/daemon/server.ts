import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { LoglineError } from '../errors/errors.js';
import type { DaemonNode } from './node.js';
import { sendError } from './http.js';
import type { Auth, Router } from './router.js';
import type { Tokens } from './tokens.js';
import { RateLimiter } from './rate-limit.js';
import type { Home } from '../node/home.js';
import { canWrite } from '../tenants/roles.js';

export interface ServerInit {
  router: Router;
  node: DaemonNode;
  /** Present on the TCP listener: every request needs a bearer token. */
  tokens?: Tokens;
  rateLimit?: RateLimiter;
}

/** An HTTP/1.1 server for the local API: authenticates, routes, counts, and turns errors into envelopes. */
export function apiServer(init: ServerInit): Server {
  const server = createServer((req, res) => {
    void handle(init, req, res);
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  return server;
}

async function handle(init: ServerInit, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { router, node } = init;
  let routeName = 'unmatched';
  let auth: Auth = { kind: 'socket' };
  try {
    const url = new URL(req.url ?? '/', 'http://logline');
    const route = router.match(req.method ?? 'GET', url.pathname);
    routeName = route.def.name;
    if (init.tokens && route.def.scope !== 'none') {
      auth = authenticate(init.tokens, node.home, req);
      if (route.def.scope === 'admin' && auth.kind === 'token') {
        throw new LoglineError('FORBIDDEN', 'this route is for the node\'s owner, over the unix socket', { hint: 'run the command on the node itself' });
      }
      if (route.def.scope === 'write' && auth.kind === 'token' && auth.role !== 'writer') {
        throw new LoglineError('FORBIDDEN', auth.limited ?? 'this token may only read', { hint: auth.limited ? 'an owner or admin gives that identity a writing role again' : 'create a writer token' });
      }
      const wait = init.rateLimit?.take(auth.kind === 'token' ? auth.id : 'socket');
      if (wait !== undefined && wait > 0) {
        throw new LoglineError('RATE_LIMITED', 'too many requests for this token', { details: { retryAfter: Math.ceil(wait) } });
      }
    }
    if (node.state !== 'ready' && route.def.scope !== 'none') {
      throw new LoglineError('NOT_READY', `the node is ${node.state}`, { hint: 'retry in a moment' });
    }
    await route.handler({ req, res, url, params: route.params, auth });
  } catch (e) {
    if (!(e instanceof LoglineError)) process.stderr.write(`logline daemon: ${(e as Error)?.stack ?? e}\n`);
    const retry = e instanceof LoglineError && e.code === 'RATE_LIMITED' ? { 'retry-after': String(e.details?.retryAfter ?? 1) } : undefined;
    sendError(res, e, retry);
    if (e instanceof LoglineError && e.code === 'BODY_TOO_LARGE') req.resume();
  } finally {
    const status = res.headersSent ? res.statusCode : 0;
    node.metrics.inc('logline_api_requests_total', 'API requests by route and status', { route: routeName, status: String(status) });
    node.served();
  }
}

function authenticate(tokens: Tokens, home: Home, req: IncomingMessage): Auth {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  const info = m ? tokens.check(m[1]) : null;
  if (!info) throw new LoglineError('UNAUTHORIZED', m ? 'the token is unknown, revoked or expired' : 'a bearer token is required', { hint: '`logline token create --tenant T --role reader|writer`' });
  // a token never does more than the identity that created it may do now in its tenant
  const identity = info.identity ?? home.defaultIdentity();
  let did: string;
  try {
    did = home.signer(identity).did;
  } catch {
    throw new LoglineError('FORBIDDEN', `the identity that created this token (${identity}) is no longer on this node`, { hint: 'create a new token' });
  }
  const role = home.tenants.state(info.tenant)?.members.get(did)?.role;
  if (role === undefined) {
    throw new LoglineError('FORBIDDEN', `the identity that created this token (${identity}) is no longer a member of ${info.tenant}`, { hint: 'an owner or admin adds it again, or create a token as a member' });
  }
  const auth: Auth = { kind: 'token', id: info.id, tenant: info.tenant, role: info.role, identity };
  if (info.role === 'writer' && !canWrite(role)) return { ...auth, role: 'reader', limited: `this token's identity (${identity}) is a ${role} of ${info.tenant} now: the token may only read` };
  return auth;
}


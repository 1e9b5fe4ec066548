import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteDef } from '../api/routes.js';
import { LoglineError } from '../errors/errors.js';

/** Who is asking: the owner over the unix socket, or a bearer token bound to one tenant and role. */
export type Auth = { kind: 'socket' } | {
  kind: 'token'; id: string; tenant: string;
  /** What the token may do now: its own role, lowered to reading when its identity may no longer write. */
  role: 'reader' | 'writer';
  /** Handle of the identity that created the token and signs what it writes. */
  identity: string;
  /** Why a writer token only reads now, if it does. */
  limited?: string;
};

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  auth: Auth;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

interface Entry {
  def: RouteDef;
  parts: string[];
  handler: Handler;
}

/** Handlers registered by route name; a duplicate name or path fails loudly (after Tailscale's local API). */
export class Router {
  private readonly entries: Entry[] = [];

  register(def: RouteDef, handler: Handler): void {
    if (this.entries.some((e) => e.def.name === def.name || (e.def.method === def.method && e.def.path === def.path))) {
      throw new Error(`route ${def.name} (${def.method} ${def.path}) is registered twice`);
    }
    this.entries.push({ def, parts: def.path.split('/'), handler });
  }

  /** The route for a request, with its path parameters; 404 or 405 as a LoglineError. */
  match(method: string, pathname: string): { def: RouteDef; handler: Handler; params: Record<string, string> } {
    const parts = pathname.split('/');
    let pathMatched = false;
    for (const e of this.entries) {
      const params = matchParts(e.parts, parts);
      if (params === null) continue;
      pathMatched = true;
      if (e.def.method === method) return { def: e.def, handler: e.handler, params };
    }
    if (pathMatched) throw new LoglineError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname}`);
    throw new LoglineError('ROUTE_NOT_FOUND', `no route ${method} ${pathname}`, { hint: 'the API lives under /api/v1' });
  }

  get routes(): readonly RouteDef[] {
    return this.entries.map((e) => e.def);
  }
}

function matchParts(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) params[pattern[i].slice(1)] = decodeSegment(parts[i]);
    else if (pattern[i] !== parts[i]) return null;
  }
  return params;
}

function decodeSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw LoglineError.usage('BAD_PATH', `"${part}" in the path is not valid percent-encoding`);
  }
}

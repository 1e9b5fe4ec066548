/**
 * The local API contract (HTTP/1.1 over a unix socket, optionally TCP with bearer tokens). The daemon serves
 * these routes and the client calls them; both import the names and paths from here.
 */
export const API_PREFIX = '/api/v1';
export const HEADER_VERSION = 'logline-version';
export const HEADER_API = 'logline-api';

/** At most this many spans in one batch request. */
export const MAX_BATCH = 1000;
/** Default request body limit (bytes); a batch of 1000 spans near the 64 KiB cap fits in a few MiB. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export const NDJSON = 'application/x-ndjson';
export const SSE = 'text/event-stream';

export interface RouteDef {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with `:param` segments. */
  path: string;
  /** Scope a token needs: `read` or `write`; `admin` routes are for the unix socket (the node's owner) only. */
  scope: 'read' | 'write' | 'admin' | 'none';
}

export const ROUTES = {
  healthz: { name: 'healthz', method: 'GET', path: '/healthz', scope: 'none' },
  metrics: { name: 'metrics', method: 'GET', path: '/metrics', scope: 'read' },
  status: { name: 'status', method: 'GET', path: `${API_PREFIX}/status`, scope: 'read' },
  append: { name: 'append', method: 'POST', path: `${API_PREFIX}/spans`, scope: 'write' },
  query: { name: 'query', method: 'GET', path: `${API_PREFIX}/spans`, scope: 'read' },
  get: { name: 'get', method: 'GET', path: `${API_PREFIX}/spans/:id`, scope: 'read' },
  ingest: { name: 'ingest', method: 'POST', path: `${API_PREFIX}/import`, scope: 'write' },
  export: { name: 'export', method: 'GET', path: `${API_PREFIX}/export`, scope: 'read' },
  verify: { name: 'verify', method: 'POST', path: `${API_PREFIX}/verify`, scope: 'read' },
  events: { name: 'events', method: 'GET', path: `${API_PREFIX}/events`, scope: 'read' },
  peers: { name: 'peers', method: 'GET', path: `${API_PREFIX}/peers`, scope: 'admin' },
  sync: { name: 'sync', method: 'POST', path: `${API_PREFIX}/sync`, scope: 'admin' },
  join: { name: 'join', method: 'POST', path: `${API_PREFIX}/join`, scope: 'admin' },
  tenants: { name: 'tenants', method: 'GET', path: `${API_PREFIX}/tenants`, scope: 'read' },
  members: { name: 'members', method: 'GET', path: `${API_PREFIX}/tenants/:slug/members`, scope: 'read' },
  tasks: { name: 'tasks', method: 'GET', path: `${API_PREFIX}/tasks`, scope: 'read' },
  taskAdd: { name: 'taskAdd', method: 'POST', path: `${API_PREFIX}/tasks`, scope: 'write' },
  task: { name: 'task', method: 'GET', path: `${API_PREFIX}/tasks/:id`, scope: 'read' },
  taskCancel: { name: 'taskCancel', method: 'POST', path: `${API_PREFIX}/tasks/:id/cancel`, scope: 'write' },
  taskRetry: { name: 'taskRetry', method: 'POST', path: `${API_PREFIX}/tasks/:id/retry`, scope: 'write' },
  /** OTLP/HTTP JSON trace ingest, at the path OpenTelemetry exporters post to (SPEC §9). */
  otlpTraces: { name: 'otlp-traces', method: 'POST', path: '/v1/traces', scope: 'write' },
  /** This API as an OpenAPI 3.1 document (`docs/openapi.json`), for clients in other languages. */
  openapi: { name: 'openapi', method: 'GET', path: `${API_PREFIX}/openapi.json`, scope: 'none' },
} as const satisfies Record<string, RouteDef>;

/** One event on the live stream. */
export type ApiEvent =
  | { type: 'hello'; node: string; version: string }
  | { type: 'span'; span: import('../timeline/span.js').Span; from: string | null };

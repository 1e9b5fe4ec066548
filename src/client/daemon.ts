import { filtersToParams } from '../api/filters.js';
import { HEADER_VERSION, NDJSON, ROUTES, type ApiEvent } from '../api/routes.js';
import type { AppendRequest, MemberInfo, Page, QueryFilters, TenantInfo, VerifyReport } from '../api/types.js';
import { EXIT, LoglineError, type LoglineErrorJSON } from '../errors/errors.js';
import type { Span } from '../timeline/span.js';
import type { PeerInfo } from '../federation/peer-info.js';
import type { JoinResult } from '../federation/protocols/join/join.js';
import { lines, readAll, type Transport, type TransportResponse } from './transport.js';
import type { IngestItem, LoglineClient, NodeStatus } from './types.js';

export interface DaemonClientInit {
  /** Called once when the daemon runs another version than `clientVersion`. */
  onVersionMismatch?: (daemonVersion: string) => void;
  clientVersion?: string;
}

/** The LoglineClient that talks to a daemon over the local API. */
export interface DaemonClient extends LoglineClient {
  health(): Promise<{ status: string }>;
  /** The Prometheus text of `/metrics`. */
  metrics(): Promise<string>;
}

export function daemonClient(transport: Transport, init: DaemonClientInit = {}): DaemonClient {
  let warned = false;
  const check = (res: TransportResponse) => {
    const v = res.headers[HEADER_VERSION];
    if (!warned && init.clientVersion && typeof v === 'string' && v !== init.clientVersion) {
      warned = true;
      init.onVersionMismatch?.(v);
    }
  };
  const call = async <T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> => {
    const res = await transport.request(method, path, body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': contentType } });
    check(res);
    const text = await readAll(res.body);
    const parsed = text === '' ? null : JSON.parse(text);
    if (res.status >= 400) throw fromEnvelope(parsed, res.status);
    return parsed as T;
  };
  return {
    kind: 'daemon',
    async append(request: AppendRequest): Promise<Span[]> {
      return (await call<{ spans: Span[] }>('POST', ROUTES.append.path, request)).spans;
    },
    async get(ref: string): Promise<Span> {
      return call<Span>('GET', ROUTES.get.path.replace(':id', encodeURIComponent(ref)));
    },
    async query(filters: QueryFilters): Promise<Page> {
      return call<Page>('GET', `${ROUTES.query.path}?${filtersToParams(filters)}`);
    },
    async ingest(spans: unknown[]): Promise<IngestItem[]> {
      const body = spans.map((s) => JSON.stringify(s)).join('\n');
      return (await call<{ items: IngestItem[] }>('POST', ROUTES.ingest.path, body, NDJSON)).items;
    },
    async *exportLines(filters: QueryFilters): AsyncIterable<string> {
      const res = await transport.request('GET', `${ROUTES.export.path}?${filtersToParams(filters)}`);
      check(res);
      if (res.status >= 400) throw fromEnvelope(JSON.parse(await readAll(res.body)), res.status);
      yield* lines(res.body);
    },
    async verify(scope): Promise<VerifyReport> {
      return call<VerifyReport>('POST', ROUTES.verify.path, scope);
    },
    async status(): Promise<NodeStatus> {
      return call<NodeStatus>('GET', ROUTES.status.path);
    },
    async tenants(): Promise<TenantInfo[]> {
      return (await call<{ tenants: TenantInfo[] }>('GET', ROUTES.tenants.path)).tenants;
    },
    async members(tenant: string): Promise<MemberInfo[]> {
      return (await call<{ members: MemberInfo[] }>('GET', ROUTES.members.path.replace(':slug', encodeURIComponent(tenant)))).members;
    },
    async peers(): Promise<PeerInfo[]> {
      return (await call<{ peers: PeerInfo[] }>('GET', ROUTES.peers.path)).peers;
    },
    async join(request): Promise<JoinResult> {
      return call<JoinResult>('POST', ROUTES.join.path, request);
    },
    async sync(): Promise<PeerInfo[]> {
      return (await call<{ peers: PeerInfo[] }>('POST', ROUTES.sync.path, {})).peers;
    },
    async health() {
      const res = await transport.request('GET', ROUTES.healthz.path);
      check(res);
      return JSON.parse(await readAll(res.body)) as { status: string };
    },
    async metrics() {
      const res = await transport.request('GET', ROUTES.metrics.path);
      check(res);
      const text = await readAll(res.body);
      if (res.status >= 400) throw fromEnvelope(JSON.parse(text), res.status);
      return text;
    },
    async *subscribe(filters: QueryFilters, signal?: AbortSignal): AsyncIterable<ApiEvent> {
      const res = await transport.request('GET', `${ROUTES.events.path}?${filtersToParams(filters)}`);
      check(res);
      if (res.status >= 400) throw fromEnvelope(JSON.parse(await readAll(res.body)), res.status);
      const body = res.body as AsyncIterable<Buffer> & { destroy?: () => void };
      signal?.addEventListener('abort', () => body.destroy?.(), { once: true });
      try {
        for await (const line of lines(body)) yield JSON.parse(line) as ApiEvent;
      } catch (e) {
        if (!signal?.aborted) throw e;
      }
    },
    async close() {
      await transport.close();
    },
  };
}

function fromEnvelope(parsed: unknown, status: number): LoglineError {
  const err = (parsed as { error?: LoglineErrorJSON & { details?: Record<string, unknown> } } | null)?.error;
  if (!err || typeof err.code !== 'string') return new LoglineError('API_ERROR', `the daemon answered HTTP ${status}`);
  return new LoglineError(err.code, err.message, { hint: err.hint, details: err.details, exitCode: status === 400 ? EXIT.USAGE : status === 503 ? EXIT.DAEMON_UNREACHABLE : EXIT.ERROR });
}

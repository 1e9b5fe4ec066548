import type { ApiEvent } from '../api/routes.js';
import type { AppendRequest, MemberInfo, Page, QueryFilters, TenantInfo, VerifyReport } from '../api/types.js';
import type { Span } from '../timeline/span.js';
import type { PeerInfo } from '../federation/peer-info.js';
import type { JoinResult } from '../federation/protocols/join/join.js';

/** The outcome of one span handed to `ingest`, in request order. */
export type IngestItem =
  | { outcome: 'stored' | 'duplicate' | 'fork'; id: string }
  | { outcome: 'rejected'; code: string; message: string };

export interface NodeStatus {
  version: string;
  spans: number;
  tenants: { tenant: string; spans: number }[];
  home: string;
}

/**
 * What the CLI needs from a node. Two implementations share it: in-process over the home, and (with the
 * daemon) over the local API, so that every command prints the same through either door.
 */
export interface LoglineClient {
  readonly kind: 'local' | 'daemon';
  append(request: AppendRequest): Promise<Span[]>;
  /** A span by full id or unique hex prefix (at least 4 characters). */
  get(ref: string): Promise<Span>;
  query(filters: QueryFilters): Promise<Page>;
  ingest(spans: unknown[]): Promise<IngestItem[]>;
  exportLines(filters: QueryFilters): AsyncIterable<string>;
  verify(scope: { tenant?: string; ids?: string[] }, onProgress?: (done: number, total: number) => void): Promise<VerifyReport>;
  status(): Promise<NodeStatus>;
  /** Tenants this node holds (those whose genesis it has). */
  tenants(): Promise<TenantInfo[]>;
  /** Members of a tenant, owners first. */
  members(tenant: string): Promise<MemberInfo[]>;
  /** Peers this node trusts or talks to (connection and counters only through the daemon). */
  peers(): Promise<PeerInfo[]>;
  /** Joins a tenant with an invitation token as `identity` (needs libp2p: the daemon's, or one started for it). */
  join(request: { token: string; identity: string }): Promise<JoinResult>;
  /** Runs a sync round with every peer now (needs the daemon); returns the peers afterwards. */
  sync(): Promise<PeerInfo[]>;
  /**
   * Live events: a `hello`, then spans as they commit from now on (local or replicated) that match the filters,
   * until the signal aborts. In-process, spans are found by polling the store.
   */
  subscribe(filters: QueryFilters, signal?: AbortSignal): AsyncIterable<ApiEvent>;
  close(): Promise<void>;
}


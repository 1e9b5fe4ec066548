import type { SpansRepo } from '../store/spans-repo.js';
import type { SpanBody, SpanDraft } from '../timeline/span.js';

export type TrustLevel = 'full' | 'read';

/** What this node decided about one peer, from its own `peer.trusted` / `peer.untrusted` spans. */
export interface PeerTrust {
  peer: string;
  did: string;
  addrs: string[];
  /** Tenant → trust; `full` = both ways, `read` = the peer may read from us. */
  tenants: Map<string, TrustLevel>;
}

export const PEER_TRUSTED = 'peer.trusted';
export const PEER_UNTRUSTED = 'peer.untrusted';

/** `genesis`: the tenant's genesis span id as the inviting node named it on joining, which this node then keeps to. */
export function peerTrusted(tenant: string, peer: string, did: string, trust: TrustLevel, addrs: string[], genesis?: string): SpanDraft & { tenant: string } {
  return { tenant, title: PEER_TRUSTED, kind: 'system', visibility: 'private', data: { peer, did, trust, addrs, ...(genesis === undefined ? {} : { genesis }) } };
}

export function peerUntrusted(tenant: string, peer: string, did: string): SpanDraft & { tenant: string } {
  return { tenant, title: PEER_UNTRUSTED, kind: 'system', visibility: 'private', data: { peer, did } };
}

/**
 * The trust table: a projection of the trust spans that this node's own identities signed (replicated trust
 * decisions of other nodes are evidence, not policy here). Later decisions win.
 */
export function loadTrust(repo: SpansRepo, localDids: ReadonlySet<string>): Map<string, PeerTrust> {
  const rows = repo.db.prepare(`SELECT s.tenant, a.did AS author, s.title, s.body FROM spans s JOIN authors a ON a.id = s.author
    WHERE s.kind = 'system' AND s.title IN (?, ?) ORDER BY s.ts, s.rid`).all(PEER_TRUSTED, PEER_UNTRUSTED) as { tenant: string; author: string; title: string; body: string }[];
  const peers = new Map<string, PeerTrust>();
  for (const row of rows) {
    if (!localDids.has(row.author)) continue;
    const data = (JSON.parse(row.body) as { data?: { peer?: unknown; did?: unknown; trust?: unknown; addrs?: unknown } }).data;
    if (typeof data?.peer !== 'string' || typeof data.did !== 'string') continue;
    let entry = peers.get(data.peer);
    if (!entry) {
      entry = { peer: data.peer, did: data.did, addrs: [], tenants: new Map() };
      peers.set(data.peer, entry);
    }
    if (row.title === PEER_UNTRUSTED) {
      entry.tenants.delete(row.tenant);
      continue;
    }
    entry.tenants.set(row.tenant, data.trust === 'read' ? 'read' : 'full');
    if (Array.isArray(data.addrs)) for (const a of data.addrs) if (typeof a === 'string' && !entry.addrs.includes(a)) entry.addrs.push(a);
  }
  return peers;
}

/** Whether committed spans include a trust decision (the trust table must be reloaded). */
export function touchesTrust(spans: readonly SpanBody[]): boolean {
  return spans.some((s) => s.kind === 'system' && s.title.startsWith('peer.'));
}

/** Whether a peer's trusted tenants differ between two trust tables: its session must start over with a new hello. */
export function trustChanged(before: ReadonlyMap<string, PeerTrust>, after: ReadonlyMap<string, PeerTrust>, peer: string): boolean {
  const tenants = (t: ReadonlyMap<string, PeerTrust>) => [...(t.get(peer)?.tenants ?? [])].sort().join();
  return tenants(before) !== tenants(after);
}

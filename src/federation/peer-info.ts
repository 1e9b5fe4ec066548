import type { TrustLevel } from './trust.js';

/** Counters of one peer, kept by the daemon while it runs. */
export interface PeerStats {
  sent: number;
  received: number;
  /** Spans the peer held that this node lacked, at the last frontier exchange (the lag), per tenant. */
  need: Record<string, number>;
  rejected: Record<string, number>;
  forks: number;
  lastSync: string | null;
}

/** One peer as `peer list` and the API show it. */
export interface PeerInfo {
  peer: string;
  did: string;
  addrs: string[];
  tenants: Record<string, TrustLevel>;
  connected: boolean;
  shared: string[];
  stats: PeerStats;
}

export function emptyStats(): PeerStats {
  return { sent: 0, received: 0, need: {}, rejected: {}, forks: 0, lastSync: null };
}

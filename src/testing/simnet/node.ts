/**
 * A simulated node: a real Home (temp dir, real SQLite, real keys) and real SyncSessions, wired the way
 * `Federation` wires them (trust from the node's own trust spans, live push of every commit, a new round after
 * a membership change, sessions closed when the peer's trust changes), minus libp2p. Test harness only.
 */
import { peerIdFromDid } from '../../identity/did-key.js';
import { inlineCrypto } from '../../identity/crypto-pool.js';
import type { Signer } from '../../identity/ed25519.js';
import { emptyStats, type PeerStats } from '../../federation/peer-info.js';
import { relayCommit, SyncSession, type FrameChannel, type SyncHost } from '../../federation/protocols/sync/session.js';
import { loadTrust, peerTrusted, touchesTrust, trustChanged, type PeerTrust, type TrustLevel } from '../../federation/trust.js';
import { Home } from '../../node/home.js';
import type { Draft } from '../../timeline/build.js';
import type { Span } from '../../timeline/span.js';

export const NODE_HANDLE = 'node';
const APP = 'logline-sim';

export class SimNode {
  readonly name: string;
  readonly dir: string;
  readonly signer: Signer;
  readonly did: string;
  readonly peerId: string;
  /** Milliseconds this node's clock is off the simulation's. */
  skewMs = 0;
  /** Restarting: closing its sessions and its Home, no writes and no connections meanwhile. */
  down = false;
  home!: Home;
  readonly sessions = new Map<string, SyncSession>();
  readonly stats = new Map<string, PeerStats>();
  private trustTable = new Map<string, PeerTrust>();
  private unsubscribe: (() => void) | undefined;
  private host!: SyncHost;
  /** Every session this node ran, for the checks after the run (a session must end, not hang). */
  readonly ran: SyncSession[] = [];

  constructor(name: string, dir: string, seed: Uint8Array) {
    this.name = name;
    this.dir = dir;
    this.home = new Home({ home: dir, env: {}, crypto: inlineCrypto });
    const info = this.home.keystore.create(NODE_HANDLE, { node: true, seed });
    this.signer = this.home.keystore.signer(NODE_HANDLE);
    this.did = info.did;
    this.peerId = peerIdFromDid(this.did)!;
    this.wire();
  }

  private wire(): void {
    const home = this.home;
    this.host = {
      app: APP,
      did: this.did,
      repo: home.repo,
      trust: (peer) => this.trustTable.get(peer)?.tenants ?? new Map(),
      ingest: (items, from) => home.timeline.ingestAsync(items, from),
    };
    this.reloadTrust();
    this.unsubscribe = home.timeline.onCommit((spans, from) => this.committed(spans, from));
  }

  /** The tenants this node trusts `peer` for. */
  trusts(peer: SimNode): ReadonlyMap<string, TrustLevel> {
    return this.host.trust(peer.peerId);
  }

  /** Appends drafts signed by the node key, at this node's clock. */
  append(drafts: readonly Draft[], now: number): Span[] {
    const ts = new Date(now + this.skewMs).toISOString();
    return this.home.timeline.append(drafts.map((d) => ({ ts, ...d })), this.signer);
  }

  trust(peer: SimNode, tenant: string, level: TrustLevel, now: number): void {
    this.append([peerTrusted(tenant, peer.peerId, peer.did, level, [])], now);
  }

  /** Starts a session with `peer` over `channel`; `ended` runs when it is over. */
  open(peer: SimNode, channel: FrameChannel, ended: () => void): SyncSession {
    const stats = this.stats.get(peer.peerId) ?? emptyStats();
    this.stats.set(peer.peerId, stats);
    const session = new SyncSession(this.host, channel, peer.peerId, stats);
    this.sessions.set(peer.peerId, session);
    this.ran.push(session);
    void session.run().finally(() => {
      if (this.sessions.get(peer.peerId) === session) this.sessions.delete(peer.peerId);
      ended();
    });
    return session;
  }

  /** Closes every session (their peers see the streams end), then the Home, and opens the Home again. */
  async restart(): Promise<void> {
    this.down = true;
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.unsubscribe?.();
    await this.home.close();
    this.home = new Home({ home: this.dir, env: {}, crypto: inlineCrypto });
    this.wire();
    this.down = false;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.unsubscribe?.();
    await this.home.close();
  }

  /** As Federation.reloadTrust: a session whose trusted tenants changed ends (a new one starts with a new hello). */
  private reloadTrust(): void {
    const before = this.trustTable;
    this.trustTable = loadTrust(this.home.repo, new Set([this.did]));
    for (const [peer, session] of this.sessions) if (trustChanged(before, this.trustTable, peer)) void session.close();
  }

  /** As Federation.committed. */
  private committed(spans: readonly Span[], from: string | null): void {
    if (touchesTrust(spans)) this.reloadTrust();
    relayCommit(this.sessions.values(), spans, from);
  }
}

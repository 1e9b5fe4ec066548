import './polyfill.js';
import type { Libp2p } from 'libp2p';
import type { Stream } from '@libp2p/interface';
import type { Home } from '../node/home.js';
import type { Span } from '../timeline/span.js';
import { decodeFrameLength, MAX_FRAME, PROTOCOL } from './protocols/sync/frames.js';
import { emptyStats, type PeerInfo, type PeerStats } from './peer-info.js';
import { relayCommit, SyncSession, type FrameChannel, type SyncHost } from './protocols/sync/session.js';
import { peerIdOfMultiaddr } from './peer-id.js';
import { loadTrust, peerTrusted, touchesTrust, trustChanged, type PeerTrust } from './trust.js';
import { checkAnswer, decodeJoin, encodeJoin, JOIN_PROTOCOL, MAX_JOIN_FRAME, type JoinResult } from './protocols/join/join.js';
import { admitJoin } from '../tenants/admit.js';
import { decodeInvite, joinRequest, type InvitePayload, type JoinAnswer, type JoinRequest } from '../tenants/invite.js';
import { LoglineError } from '../errors/errors.js';
import { didFromPeerId } from './peer-id.js';

/**
 * The libp2p packages, imported when the node starts. Dynamic imports keep them ES modules wherever this file
 * ends up (the CLI bundle is CommonJS, and libp2p cannot be required), and out of every command that does not
 * start a node.
 */
async function libp2pModules() {
  const [libp2p, tcp, noise, yamux, identify, ping, keys, utils, ma] = await Promise.all([
    import('libp2p'), import('@libp2p/tcp'), import('@chainsafe/libp2p-noise'), import('@libp2p/yamux'),
    import('@libp2p/identify'), import('@libp2p/ping'), import('@libp2p/crypto/keys'), import('@libp2p/utils'),
    import('@multiformats/multiaddr'),
  ]);
  return {
    createLibp2p: libp2p.createLibp2p, tcp: tcp.tcp, noise: noise.noise, yamux: yamux.yamux, identify: identify.identify,
    ping: ping.ping, generateKeyPairFromSeed: keys.generateKeyPairFromSeed, lpStream: utils.lpStream, multiaddr: ma.multiaddr,
  };
}
type Modules = Awaited<ReturnType<typeof libp2pModules>>;
const DIAL_EVERY_MS = 1000;
/** Bytes a peer may have in flight to this node on one stream (libp2p's default of 4 MiB cut long ranges). */
const RECEIVE_BUFFER = 64 * 1024 * 1024;
const MAX_BACKOFF_MS = 30_000;

export interface FederationInit {
  home: Home;
  listen: string[];
  app: string;
  /** Multiaddrs (ending in /p2p/<peer id>) to reach peers at, besides those in trust spans. */
  bootstrap?: string[];
  /** Find peers on the LAN with mDNS (they are dialed only when trusted). */
  mdns?: boolean;
  log?: (line: string) => void;
}

/**
 * The node's libp2p side: a TCP + noise + yamux node whose key is the node identity's ed25519 key, the sync
 * protocol with every trusted peer, dialing with backoff, and live push of every commit (local or relayed).
 */
export class Federation {
  private readonly init: FederationInit;
  private node: Libp2p | undefined;
  private lib: Modules | undefined;
  private trustTable = new Map<string, PeerTrust>();
  private readonly sessions = new Map<string, SyncSession>();
  private readonly stats = new Map<string, PeerStats>();
  private readonly backoff = new Map<string, { next: number; delay: number }>();
  /** Addresses learnt from the bootstrap list and mDNS, by peer id. */
  private readonly discovered = new Map<string, Set<string>>();
  private dialing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly host: SyncHost;

  constructor(init: FederationInit) {
    this.init = init;
    const home = init.home;
    this.host = {
      app: init.app,
      did: home.keystore.get(nodeHandle(home)).did,
      repo: home.repo,
      trust: (peer) => this.trustTable.get(peer)?.tenants ?? new Map(),
      ingest: (items, from) => home.timeline.ingestAsync(items, from),
    };
  }

  get peerId(): string {
    return this.node?.peerId.toString() ?? '';
  }

  /** Full multiaddrs, each ending in /p2p/<peer id>. */
  addresses(): string[] {
    return this.node?.getMultiaddrs().map((m) => m.toString()) ?? [];
  }

  async start(): Promise<void> {
    const { home } = this.init;
    const signer = home.signer(nodeHandle(home));
    this.reloadTrust();
    for (const addr of this.init.bootstrap ?? []) this.learn(peerIdOfMultiaddr(addr), [addr]);
    const { createLibp2p, generateKeyPairFromSeed, tcp, noise, yamux, identify, ping } = this.lib = await libp2pModules();
    const peerDiscovery = this.init.mdns ? [(await import('@libp2p/mdns')).mdns()] : [];
    this.node = await createLibp2p({
      privateKey: await generateKeyPairFromSeed('Ed25519', signer.seed),
      addresses: { listen: this.init.listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery,
      services: { identify: identify(), ping: ping() },
    }).catch((e: Error) => {
      throw e.name === 'UnsupportedListenAddressesError' ? listenError(this.init.listen, e) : e;
    });
    // mDNS finds peers but does not dial them: the dial loop does, for trusted ones
    this.node.addEventListener('peer:discovery', (e) => {
      const id = e.detail.id.toString();
      this.learn(id, e.detail.multiaddrs.map((m) => `${m.toString()}/p2p/${id}`));
    });
    await this.node.handle(PROTOCOL, (stream, connection) => this.inbound(stream, connection.remotePeer.toString()));
    await this.node.handle(JOIN_PROTOCOL, (stream, connection) => void this.answerJoin(stream, connection.remotePeer.toString()));
    this.unsubscribe = home.timeline.onCommit((spans, from) => this.committed(spans, from));
    this.timer = setInterval(() => void this.dialTrusted(), DIAL_EVERY_MS);
    this.timer.unref();
    void this.dialTrusted();
    this.init.log?.(`p2p listening on ${this.addresses().join(', ')}`);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe?.();
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
    await this.node?.stop();
    this.node = undefined;
  }

  /** Every peer this node trusts, talks to or refused (an untrusted peer's NOT_TRUSTED count), with its counters. */
  peers(): PeerInfo[] {
    const ids = new Set([...this.trustTable.keys(), ...this.sessions.keys(), ...this.stats.keys()]);
    return [...ids].sort().map((peer) => {
      const t = this.trustTable.get(peer);
      const s = this.sessions.get(peer);
      return {
        peer, did: t?.did ?? '', addrs: t?.addrs ?? [], tenants: Object.fromEntries(t?.tenants ?? []),
        connected: s?.open ?? false, shared: [...(s?.shared ?? [])].sort(), stats: this.statsOf(peer),
      };
    });
  }

  /**
   * Dials trusted peers that are not connected (at once, no backoff), then runs a round with every connected
   * peer and waits for them to finish, at most `timeoutMs`.
   */
  async syncRound(timeoutMs = 30_000): Promise<void> {
    this.backoff.clear();
    await this.dialTrusted();
    const deadline = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
    await Promise.race([Promise.all([...this.sessions.values()].map((s) => s.round())), deadline]);
  }

  /**
   * Joins a tenant with an invitation: asks the inviting node to admit `handle` (one of this node's identities),
   * then trusts that node for the tenant and runs a first sync round with it (at most `timeoutMs`).
   */
  async join(token: string, handle: string, timeoutMs = 30_000): Promise<JoinResult> {
    const home = this.init.home;
    const invite = decodeInvite(token);
    const signer = home.signer(handle);
    const answer = await this.requestJoin(invite, joinRequest(token, invite, signer, handle));
    if (!answer.ok) throw new LoglineError(answer.code, `the inviting node refused: ${answer.message}`, { hint: answer.hint });
    // the genesis the inviter names is the tenant here: a tenant.created that arrives first (evidence the inviter
    // keeps of another node's claim to the slug) never becomes it
    home.timeline.append([peerTrusted(invite.t, invite.p, didFromPeerId(invite.p) ?? '', 'full', invite.a, answer.genesis)], signer);
    const deadline = Date.now() + timeoutMs;
    let synced = false;
    while (!synced && Date.now() < deadline) {
      await this.dialTrusted();
      const session = this.sessions.get(invite.p);
      if (session?.open && session.shared.has(invite.t)) {
        await Promise.race([session.round(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
        synced = home.tenants.state(invite.t) !== undefined;
      } else {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const spans = home.db.prepare('SELECT count(*) FROM spans WHERE tenant = ?').pluck().get(invite.t) as number;
    return { tenant: answer.tenant, role: answer.role, inviter: answer.inviter, peer: invite.p, spans, synced };
  }

  private async requestJoin(invite: InvitePayload, request: JoinRequest): Promise<JoinAnswer> {
    const addrs = invite.a.filter((a) => a.endsWith(`/p2p/${invite.p}`));
    if (addrs.length === 0) throw new LoglineError('INVITE_MALFORMED', 'the invitation carries no address of its node', { hint: 'the inviting node must listen for peers (`logline node start --listen …`)' });
    let last: unknown;
    for (const addr of addrs) {
      try {
        const stream = await this.node!.dialProtocol(this.lib!.multiaddr(addr), JOIN_PROTOCOL, { signal: AbortSignal.timeout(10_000) });
        const lp = this.lib!.lpStream(stream, { maxDataLength: MAX_JOIN_FRAME });
        await lp.write(encodeJoin(request), { signal: AbortSignal.timeout(10_000) });
        const answer = checkAnswer(decodeJoin<JoinAnswer>((await lp.read({ signal: AbortSignal.timeout(20_000) })).subarray()), invite);
        await stream.close().catch(() => {});
        return answer;
      } catch (e) {
        last = e;
      }
    }
    throw new LoglineError('JOIN_UNREACHABLE', `could not reach the inviting node at ${addrs.join(', ')}: ${(last as Error)?.message ?? last}`, {
      hint: 'is its daemon running and reachable from here (firewall, address)?',
    });
  }

  private async answerJoin(stream: Stream, peer: string): Promise<void> {
    const lp = this.lib!.lpStream(stream, { maxDataLength: MAX_JOIN_FRAME });
    let answer: JoinAnswer;
    try {
      const request = decodeJoin<JoinRequest>((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray());
      answer = admitJoin(this.init.home, this.peerId, request, peer);
    } catch (e) {
      answer = { ok: false, code: e instanceof LoglineError ? e.code : 'JOIN_BAD_FRAME', message: (e as Error).message };
    }
    this.init.log?.(answer.ok ? `join: admitted ${peer} to ${answer.tenant} as ${answer.role}` : `join: refused ${peer}: ${answer.code}: ${answer.message}`);
    await lp.write(encodeJoin(answer)).catch(() => {});
    await stream.close().catch(() => stream.abort(new Error('closed')));
  }

  private statsOf(peer: string): PeerStats {
    let s = this.stats.get(peer);
    if (!s) {
      s = emptyStats();
      this.stats.set(peer, s);
    }
    return s;
  }

  private reloadTrust(): void {
    const local = new Set(this.init.home.keystore.list().map((i) => i.did));
    const before = this.trustTable;
    this.trustTable = loadTrust(this.init.home.repo, local);
    // a session whose trusted tenants changed starts over with a new hello (or ends, when none are left)
    for (const [peer, session] of this.sessions) if (trustChanged(before, this.trustTable, peer)) void session.close();
  }

  private committed(spans: readonly Span[], from: string | null): void {
    if (touchesTrust(spans)) this.reloadTrust();
    relayCommit(this.sessions.values(), spans, from);
  }

  private inbound(stream: Stream, peer: string): void {
    if ((this.trustTable.get(peer)?.tenants.size ?? 0) === 0) {
      const rejected = this.statsOf(peer).rejected;
      rejected.NOT_TRUSTED = (rejected.NOT_TRUSTED ?? 0) + 1;
      stream.abort(new Error('not trusted for any tenant'));
    } else if (this.sessions.get(peer)?.open) {
      stream.abort(new Error('already in session'));
    } else {
      this.runSession(stream, peer);
    }
  }

  private learn(peer: string | null, addrs: string[]): void {
    if (peer === null) return;
    const known = this.discovered.get(peer) ?? new Set<string>();
    for (const a of addrs) if (!a.includes('/p2p/') || a.endsWith(`/p2p/${peer}`)) known.add(a.includes('/p2p/') ? a : `${a}/p2p/${peer}`);
    this.discovered.set(peer, known);
  }

  /** Dials every trusted peer with an address and no session (respecting backoff); resolves when all tried. */
  private dialTrusted(): Promise<void[]> {
    const dials: Promise<void>[] = [];
    if (!this.node) return Promise.all(dials);
    const now = Date.now();
    for (const [peer, t] of this.trustTable) {
      const addrs = [...new Set([...t.addrs, ...(this.discovered.get(peer) ?? [])])];
      if (t.tenants.size === 0 || addrs.length === 0 || this.sessions.get(peer)?.open || this.dialing.has(peer)) continue;
      const b = this.backoff.get(peer);
      if (b && now < b.next) continue;
      this.dialing.add(peer);
      dials.push(this.dial(peer, addrs).finally(() => this.dialing.delete(peer)));
    }
    return Promise.all(dials);
  }

  private async dial(peer: string, addrs: string[]): Promise<void> {
    for (const addr of addrs) {
      try {
        const stream = await this.node!.dialProtocol(this.lib!.multiaddr(addr), PROTOCOL, { signal: AbortSignal.timeout(10_000) });
        this.backoff.delete(peer);
        if (this.sessions.get(peer)?.open) {
          stream.abort(new Error('already in session'));
          return;
        }
        this.runSession(stream, peer);
        return;
      } catch {
        // try the next address
      }
    }
    const delay = Math.min(MAX_BACKOFF_MS, (this.backoff.get(peer)?.delay ?? 500) * 2);
    this.backoff.set(peer, { next: Date.now() + delay, delay });
  }

  private runSession(stream: Stream, peer: string): void {
    const session = new SyncSession(this.host, channelOf(this.lib!, stream), peer, this.statsOf(peer));
    this.sessions.set(peer, session);
    void session.run().finally(() => {
      if (this.sessions.get(peer) === session) this.sessions.delete(peer);
      this.init.log?.(`sync with ${peer} ended: ${session.endReason}`);
    });
  }
}

function channelOf({ lpStream }: Modules, stream: Stream): FrameChannel {
  // the length decoder turns an oversized or garbage prefix into a counted protocol violation (SYNC_FRAME_TOO_LARGE)
  // maxBufferSize: what a peer may have in flight while frames are being verified and stored (bounded memory)
  const lp = lpStream(stream, { maxDataLength: MAX_FRAME, lengthDecoder: decodeFrameLength, maxBufferSize: RECEIVE_BUFFER });
  return {
    read: async () => (await lp.read()).subarray(),
    write: (bytes) => lp.write(bytes),
    close: async () => { await stream.close().catch(() => stream.abort(new Error('closed'))); },
    pause: () => { if (stream.status === 'open') stream.pause(); },
    resume: () => { if (stream.status === 'open') stream.resume(); },
  };
}

/** The handle of the node key (the identity created by `init`), whose key is also the libp2p identity. */
export function nodeHandle(home: Home): string {
  return home.keystore.list().find((i) => i.node)?.handle ?? home.defaultIdentity();
}

/** A listen address that cannot be bound (a port in use, an address not of this machine), said plainly. */
function listenError(listen: readonly string[], e: Error): LoglineError {
  const reasons = [...e.message.matchAll(/(\/\S+): Error: listen (\w+)/g)].map(([, addr, code]) => `${addr} (${code === 'EADDRINUSE' ? 'port in use' : code})`);
  return new LoglineError('LISTEN_FAILED', `cannot listen on ${reasons.length > 0 ? reasons.join(', ') : listen.join(', ')}`, {
    hint: 'another program (or another logline node) holds the port: give another with `node start --listen /ip4/0.0.0.0/tcp/PORT` or the `listen` setting; port 0 takes a free one',
  });
}

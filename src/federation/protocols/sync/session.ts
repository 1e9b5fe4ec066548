import type { IngestResult } from '../../../timeline/timeline.js';
import { chainRange, headsDigest, tenantHeads, type Head } from '../../../timeline/frontier.js';
import type { Span } from '../../../timeline/span.js';
import type { SpansRepo } from '../../../store/spans-repo.js';
import { TENANT_EVENTS } from '../../../tenants/events.js';
import { LoglineError } from '../../../errors/errors.js';
import type { PeerStats } from '../../peer-info.js';
import type { TrustLevel } from '../../trust.js';
import { didFromPeerId } from '../../peer-id.js';
import { decodeFrame, encodeFrame, FRAME_SPAN_BYTES, MAX_FRAME_SPANS, PROTO_VERSION, type Frame } from './frames.js';

/** A length-prefixed frame channel (lpStream over a libp2p stream, or a pipe in tests). */
export interface FrameChannel {
  read(): Promise<Uint8Array>;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /** Stop (and restart) taking data from the peer: its sender is held back by the muxer's flow control. */
  pause?(): void;
  resume?(): void;
}

/** What a session needs from the node. */
export interface SyncHost {
  app: string;
  did: string;
  repo: SpansRepo;
  /** The tenants this node trusts the peer for, read at each use (trust can change). */
  trust(peer: string): ReadonlyMap<string, TrustLevel>;
  ingest(items: unknown[], from: string): Promise<IngestResult[]>;
}

const KEEPALIVE_MS = 30_000;
/** `spans` frames verified at once: one is stored while the next ones are verified in the worker pool. */
const IN_FLIGHT = 4;
const CAPS = ['heads', 'want', 'live'];

/**
 * One replication session with one peer over one stream: hello, per-tenant digest, heads, the missing ranges
 * in seq order, then live pushes. Every received span is checked by the node's ingest before it is stored;
 * a peer that sends an invalid frame or span is told why and disconnected.
 */
/** Refusals by the tenant's membership rules: the span is valid, the sender honest, the order maybe unlucky. */
const POLICY_CODES: ReadonlySet<string> = new Set(['NOT_A_MEMBER', 'ROLE_FORBIDDEN']);

/**
 * What a node does with a commit for its sessions: push it live, and after a membership change start a round, so
 * that spans a peer sent earlier and this node refused are asked for again.
 */
export function relayCommit(sessions: Iterable<SyncSession>, spans: readonly Span[], from: string | null): void {
  const membership = spans.some((s) => s.kind === 'system' && TENANT_EVENTS.has(s.title));
  for (const session of sessions) {
    session.push(spans, from);
    if (membership) void session.round();
  }
}

export class SyncSession {
  readonly peer: string;
  /** The peer's own identity: a broken chain it signed itself is its own doing, not a fork it relays. */
  private readonly peerDid: string | null;
  readonly stats: PeerStats;
  /** Tenants both sides offered and this node trusts the peer for. */
  readonly shared = new Set<string>();
  private readonly host: SyncHost;
  private readonly channel: FrameChannel;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private keepalive: NodeJS.Timeout | undefined;
  private pings = 0;
  /** Tenants whose heads we sent in the current exchange (so the other side can send what we lack). */
  private readonly headsSent = new Set<string>();
  /** Tenants of a round this side started that the peer has not finished yet. */
  private readonly pending = new Set<string>();
  private roundWaiters: (() => void)[] = [];
  /** Why the session ended, for the node's log. */
  endReason = 'closed';
  /**
   * `tenant\nauthor` whose spans the tenant's rules refused this round (not a member, not a writer): asking for
   * the gap they leave would only bring them back. A new round (after a membership change) tries again.
   */
  private readonly deferred = new Set<string>();
  /** `tenant\nauthor\nseq` of spans on another branch of a fork whose evidence was asked for (once a session). */
  private readonly forkAsked = new Set<string>();
  /** `spans` frames being verified and stored (in order, by the node), at most IN_FLIGHT. */
  private readonly inflight: Promise<void>[] = [];

  constructor(host: SyncHost, channel: FrameChannel, peer: string, stats: PeerStats) {
    this.host = host;
    this.channel = channel;
    this.peer = peer;
    this.peerDid = didFromPeerId(peer);
    this.stats = stats;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Runs the session until the stream ends or the peer misbehaves. */
  async run(): Promise<void> {
    this.keepalive = setInterval(() => this.send({ t: 'ping', n: ++this.pings }), KEEPALIVE_MS);
    this.keepalive.unref();
    this.send({ t: 'hello', proto: PROTO_VERSION, app: this.host.app, node: this.host.did, tenants: [...this.host.trust(this.peer).keys()].sort(), caps: CAPS });
    try {
      while (!this.closed) {
        const frame = decodeFrame(await this.channel.read());
        // while a frame is handled (spans verified and stored), the peer waits instead of filling our buffers
        this.channel.pause?.();
        try {
          await this.handle(frame);
        } finally {
          this.channel.resume?.();
        }
      }
    } catch (e) {
      this.endReason = e instanceof LoglineError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
      if (!this.closed && e instanceof LoglineError) await this.fail(e);
    } finally {
      await this.close();
    }
  }

  /**
   * Starts a round for every shared tenant: digests first (an equal digest is answered with `done` at once),
   * else heads both ways and the missing ranges. Resolves when the peer has finished every tenant.
   */
  round(): Promise<void> {
    this.deferred.clear();
    for (const tenant of this.shared) {
      this.pending.add(tenant);
      this.headsSent.delete(tenant);
      this.send({ t: 'digest', tenant, d: headsDigest(tenantHeads(this.host.repo, tenant)) });
    }
    return this.pending.size === 0 ? Promise.resolve() : new Promise((resolve) => this.roundWaiters.push(resolve));
  }

  /** Live push of committed spans the peer may have: shared tenant, never private, not back to their sender. */
  push(spans: readonly Span[], from: string | null): void {
    if (this.closed || from === this.peer) return;
    const byTenant = new Map<string, Span[]>();
    for (const s of spans) {
      if (s.visibility === 'private' || !this.shared.has(s.tenant)) continue;
      byTenant.set(s.tenant, [...(byTenant.get(s.tenant) ?? []), s]);
    }
    // frames bounded by count and by bytes, as ranges are: 1000 spans near the 64 KiB cap would pass the frame limit
    for (const [tenant, items] of byTenant) {
      let frame: Span[] = [];
      let bytes = 0;
      for (const s of items) {
        const size = JSON.stringify(s).length;
        if (frame.length > 0 && (frame.length >= MAX_FRAME_SPANS || bytes + size > FRAME_SPAN_BYTES)) {
          this.sendSpans(tenant, frame);
          frame = [];
          bytes = 0;
        }
        frame.push(s);
        bytes += size;
      }
      if (frame.length > 0) this.sendSpans(tenant, frame);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    for (const resolve of this.roundWaiters.splice(0)) resolve();
    await this.writing.catch(() => {});
    await this.channel.close().catch(() => {});
  }

  private async handle(f: Frame): Promise<void> {
    if (f.t === 'spans') {
      // a violation found while later frames are read ends the session at once, not when it is awaited
      const receiving = this.receive(f.tenant, f.items).catch((e: unknown) => this.abort(e));
      this.inflight.push(receiving);
      if (this.inflight.length >= IN_FLIGHT) await this.inflight.shift();
      return;
    }
    // anything else is answered from the store: first let the spans received before it land
    while (this.inflight.length > 0) await this.inflight.shift();
    switch (f.t) {
      case 'hello': {
        if (f.proto !== PROTO_VERSION) throw new LoglineError('SYNC_VERSION', `the peer speaks sync protocol ${f.proto}, this node ${PROTO_VERSION}`);
        const mine = this.host.trust(this.peer);
        for (const t of f.tenants) if (mine.has(t)) this.shared.add(t);
        void this.round();
        return;
      }
      case 'digest': {
        if (!this.shared.has(f.tenant)) this.refuse(f.tenant);
        const heads = tenantHeads(this.host.repo, f.tenant);
        if (headsDigest(heads) === f.d) {
          this.stats.need[f.tenant] = 0;
          this.synced();
          this.send({ t: 'done', tenant: f.tenant });
        } else {
          this.headsSent.add(f.tenant);
          this.send({ t: 'heads', tenant: f.tenant, heads });
        }
        return;
      }
      case 'heads':
        if (!this.shared.has(f.tenant)) this.refuse(f.tenant);
        this.sendMissing(f.tenant, f.heads);
        this.send({ t: 'done', tenant: f.tenant });
        if (!this.headsSent.has(f.tenant)) {
          // the other side has not seen our frontier yet: without it, it cannot send what we lack
          this.headsSent.add(f.tenant);
          this.send({ t: 'heads', tenant: f.tenant, heads: tenantHeads(this.host.repo, f.tenant) });
        }
        return;
      case 'want':
        if (!this.shared.has(f.tenant)) this.refuse(f.tenant);
        this.sendRange(f.tenant, f.author, f.from);
        return;
      case 'done':
        // the peer has sent everything we lacked at the exchange: nothing is outstanding for this tenant
        this.stats.need[f.tenant] = 0;
        this.synced();
        this.pending.delete(f.tenant);
        if (this.pending.size === 0) for (const resolve of this.roundWaiters.splice(0)) resolve();
        return;
      case 'ping':
        this.send({ t: 'pong', n: f.n });
        return;
      case 'pong':
        return;
      case 'error':
        this.closed = true;
        return;
    }
  }

  /**
   * For each author: what the peer lacks (a lower seq), or our span at a seq where its head differs (fork
   * evidence). Also notes how far behind the peer this node is (the lag `peer list` shows).
   */
  private sendMissing(tenant: string, theirs: readonly Head[]): void {
    const remote = new Map(theirs.map(([author, seq, id]) => [author, { seq, id }]));
    const ours = tenantHeads(this.host.repo, tenant);
    const local = new Map(ours.map(([author, seq]) => [author, seq]));
    this.stats.need[tenant] = theirs.reduce((n, [author, seq]) => n + Math.max(0, seq - (local.get(author) ?? 0)), 0);
    for (const [author, seq, id] of ours) {
      const r = remote.get(author);
      if (!r || r.seq < seq) {
        // their head is not our span at that seq: the author forked there; ask for their branch as evidence
        if (r && this.host.repo.idAtSeq(author, tenant, r.seq)?.toString('hex') !== r.id) this.send({ t: 'want', tenant, author, from: r.seq });
        this.sendRange(tenant, author, (r?.seq ?? 0) + 1);
      }
      else if (r.seq === seq && r.id !== id) this.sendRange(tenant, author, seq, 1);
    }
  }

  /** Queues a range; it is read from the store a frame at a time as the stream drains, never whole. */
  private sendRange(tenant: string, author: string, from: number, limit = Infinity): void {
    this.enqueue(async () => {
      let next = from;
      let left = limit;
      while (left > 0 && !this.closed) {
        const items = chainRange(this.host.repo, tenant, author, next, FRAME_SPAN_BYTES, Math.min(MAX_FRAME_SPANS, left));
        if (items.length === 0) return;
        this.stats.sent += items.length;
        await this.write({ t: 'spans', tenant, items: items.map((t) => JSON.parse(t) as unknown) });
        next += items.length;
        left -= items.length;
      }
    });
  }

  private sendSpans(tenant: string, items: unknown[]): void {
    this.stats.sent += items.length;
    this.send({ t: 'spans', tenant, items });
  }

  private async receive(tenant: string, items: unknown[]): Promise<void> {
    const trust = this.host.trust(this.peer).get(tenant);
    if (!this.shared.has(tenant) || trust === undefined) this.refuse(tenant);
    if (trust !== 'full') {
      this.count('NOT_TRUSTED_TO_WRITE', items.length);
      return;
    }
    if (items.some((s) => (s as { tenant?: unknown })?.tenant !== tenant)) {
      throw new LoglineError('SYNC_WRONG_TENANT', `a spans frame of ${tenant} holds a span of another tenant`);
    }
    this.stats.received += items.length;
    const results = await this.host.ingest(items, this.peer);
    const wants = new Map<string, number>();
    let invalid: LoglineError | undefined;
    results.forEach((r, i) => {
      if (r.outcome === 'fork') this.stats.forks++;
      if (r.outcome !== 'rejected') return;
      const author = (items[i] as { author?: unknown }).author;
      if (POLICY_CODES.has(r.error.code) && typeof author === 'string') {
        // valid and signed, but its author may not write here as this node knows the tenant now: not hostile
        this.deferred.add(`${tenant}\n${author}`);
        this.count(r.error.code, 1);
        return;
      }
      if (r.error.code === 'CHAIN_BROKEN_PREV' && typeof author === 'string' && author !== this.peerDid) {
        // signed by its author, yet not linked to the span held at seq - 1: the author signed two spans there
        // (a fork) and the peer, another node, only relays one branch. Not hostile: ask once for the peer's
        // span at seq - 1 (fork evidence), and not for the rest of a branch that cannot link here
        this.count(r.error.code, 1);
        this.deferred.add(`${tenant}\n${author}`);
        const seq = (items[i] as { seq?: unknown }).seq;
        const key = `${tenant}\n${author}\n${String(seq)}`;
        if (typeof seq === 'number' && seq > 1 && !this.forkAsked.has(key)) {
          this.forkAsked.add(key);
          this.send({ t: 'want', tenant, author, from: seq - 1 });
        }
        return;
      }
      if (r.error.code === 'CHAIN_GAP' && typeof author === 'string') {
        if (this.deferred.has(`${tenant}\n${author}`)) return;
        // a live push overtook the range that precedes it: ask for the gap
        if (!wants.has(author)) wants.set(author, (tenantHeads(this.host.repo, tenant).find((h) => h[0] === author)?.[1] ?? 0) + 1);
        return;
      }
      this.count(r.error.code, 1);
      invalid ??= r.error;
    });
    for (const [author, from] of wants) this.send({ t: 'want', tenant, author, from });
    if (invalid) throw new LoglineError('SYNC_INVALID_SPAN', `the peer sent an invalid span: ${invalid.code}: ${invalid.message}`);
  }

  private refuse(tenant: string): never {
    this.count('NOT_TRUSTED', 1);
    throw new LoglineError('SYNC_NOT_TRUSTED', `this node does not replicate ${tenant} with this peer`);
  }

  private count(code: string, n: number): void {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + n;
  }

  private synced(): void {
    this.stats.lastSync = new Date().toISOString();
  }

  private async abort(e: unknown): Promise<void> {
    if (this.closed) return;
    this.endReason = e instanceof LoglineError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
    if (e instanceof LoglineError) await this.fail(e);
    await this.close();
  }

  /** Counts the violation and tells the peer why, ahead of anything queued, before the session closes. */
  private async fail(e: LoglineError): Promise<void> {
    this.count(e.code, 1);
    await this.channel.write(encodeFrame({ t: 'error', code: e.code, message: e.message.slice(0, 500) })).catch(() => {});
  }

  /**
   * Outgoing work runs one task at a time, in order, each awaiting its writes (back-pressure), apart from the
   * read loop: a side that is sending a long range keeps reading, so two sending peers never deadlock.
   */
  private enqueue(task: () => Promise<void>): void {
    this.writing = this.writing.then(task).catch(() => { void this.close(); });
  }

  private send(frame: Frame): void {
    this.enqueue(() => this.write(frame));
  }

  private async write(frame: Frame): Promise<void> {
    if (!this.closed) await this.channel.write(encodeFrame(frame));
  }
}

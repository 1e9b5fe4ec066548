/**
 * Federation with real daemons: each node is its own `logline node start` process in a temp home, listening on
 * 127.0.0.1 (port 0). The hostile peer is a libp2p node in this process that speaks `/logline/sync/1.0.0` with a
 * key the attacked node trusts. Conditions are awaited by polling with a deadline, never by fixed sleeps.
 */
import './polyfill.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { Stream } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../config/paths.js';
import { peerIdFromDid } from '../identity/did-key.js';
import { signerFromSeed, type Signer } from '../identity/ed25519.js';
import { connect, type DaemonClient } from '../index.js';
import { openDb } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { BIN, initHome, type CliResult } from '../testing/cli.js';
import { canonicalJson, spanIdBytes } from '../timeline/canonical.js';
import { headsDigest, tenantHeads, type Head } from '../timeline/frontier.js';
import type { Span, SpanDraft } from '../timeline/span.js';
import type { PeerInfo } from './peer-info.js';
import { MAX_FRAME, PROTOCOL } from './protocols/sync/frames.js';

const LISTEN = '/ip4/127.0.0.1/tcp/0';
const T = 'acme';
const WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `bin/logline ARGS` as a child process, asynchronously (as cliAsync, but with no stdin pipe to break). */
function cliRun(args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.LOGLINE_HOME;
  delete env.LOGLINE_TENANT;
  delete env.LOGLINE_PASSPHRASE;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Polls `probe` every 150 ms until `ok` holds; fails with the last value after `ms`. */
async function until<V>(what: string, probe: () => V | Promise<V>, ok: (v: V) => boolean, ms = WAIT_MS): Promise<V> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(v)?.slice(0, 800)}`);
    await sleep(150);
  }
}

/** One node: a temp home, its daemon (a child process) and a client of its local API. */
class Daemon {
  readonly name: string;
  readonly home: string;
  readonly did: string;
  private readonly cleanupHome: () => void;
  peerId = '';
  addr = '';
  private clientP: Promise<DaemonClient> | undefined;
  private running = false;

  /** A home whose first tenant is `tenant`: the founder of T passes T, the others get a tenant of their own. */
  constructor(name: string, tenant = `${name}-home`) {
    const h = initHome(name, tenant);
    this.name = name;
    this.home = h.home;
    this.cleanupHome = h.cleanup;
    this.did = JSON.parse(h.run(['id', 'show', '--json']).stdout).did as string;
  }

  /** Runs the CLI on this home (asynchronously: the in-process libp2p harness keeps running meanwhile). */
  run(args: string[]): Promise<CliResult> {
    // T is every node's tenant here, whatever its own first tenant is (a later --tenant wins)
    return cliRun(['--home', this.home, '--tenant', T, ...args]);
  }

  /** As an owner of T, adds a member (another node's identity, or the hostile harness's). */
  async admit(other: { did: string }, role = 'member'): Promise<void> {
    await this.ok(['member', 'add', other.did, '--role', role]);
  }

  /** Whether this node holds the tenant (its genesis and members). */
  async holds(tenant = T): Promise<boolean> {
    return (await this.json<{ slug: string }[]>(['tenant', 'list'])).some((t) => t.slug === tenant);
  }

  async ok(args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`${this.name}: logline ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  async json<V>(args: string[]): Promise<V> {
    return JSON.parse(await this.ok([...args, '--json'])) as V;
  }

  async start(): Promise<void> {
    await this.ok(['node', 'start', '--listen', LISTEN]);
    this.running = true;
    const s = await until(`${this.name} listening`, () => this.json<{ peerId: string; addresses: string[] }>(['node', 'status']), (v) => v.addresses.length > 0, 15_000);
    this.peerId = s.peerId;
    this.addr = s.addresses[0];
    expect(this.addr).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${this.peerId}$`));
    expect(peerIdFromDid((await this.json<{ did: string }>(['id', 'show'])).did)).toBe(this.peerId);
  }

  async stop(): Promise<void> {
    const c = this.clientP;
    this.clientP = undefined;
    if (c) await (await c).close().catch(() => {});
    if (this.running) await this.run(['node', 'stop']);
    this.running = false;
  }

  async destroy(): Promise<void> {
    await this.stop();
    this.cleanupHome();
  }

  client(): Promise<DaemonClient> {
    this.clientP ??= connect({ home: this.home });
    return this.clientP;
  }

  async append(drafts: (Omit<SpanDraft, 'tenant'> & { tenant?: string })[]): Promise<Span[]> {
    return (await this.client()).append({ drafts: drafts.map((d) => ({ ...d, tenant: d.tenant ?? T })) });
  }

  /** Titles `${prefix} 0…n-1`, appended in batches of `batch` through the daemon. */
  async write(prefix: string, n: number, batch = 1000): Promise<Span[]> {
    const out: Span[] = [];
    for (let i = 0; i < n; i += batch) {
      out.push(...await this.append(Array.from({ length: Math.min(batch, n - i) }, (_, k) => ({ title: `${prefix} ${i + k}` }))));
    }
    return out;
  }

  /** The tenant's frontier read straight from the store (a read-only connection, opened per call). */
  heads(tenant = T): Head[] {
    const db = openDb(resolvePaths({ home: this.home }).db, { readonly: true });
    try {
      return tenantHeads(new SpansRepo(db), tenant);
    } finally {
      db.close();
    }
  }

  digest(tenant = T): string {
    return headsDigest(this.heads(tenant));
  }

  headOf(author: string, tenant = T): number {
    return this.heads(tenant).find((h) => h[0] === author)?.[1] ?? 0;
  }

  async exportLines(...args: string[]): Promise<string[]> {
    return (await this.ok(['export', '--tenant', T, ...args])).split('\n').filter(Boolean);
  }

  async peers(): Promise<PeerInfo[]> {
    return (await this.client()).peers();
  }

  async peer(id: string): Promise<PeerInfo | undefined> {
    return (await this.peers()).find((p) => p.peer === id);
  }

  /** Every page of the tenant's timeline (newest first, pages of 1000) as NDJSON lines. */
  async timelinePages(): Promise<string[][]> {
    const c = await this.client();
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await c.query({ tenant: T, limit: 1000, ...(cursor ? { cursor } : {}) });
      pages.push(page.spans.map((s) => JSON.stringify(s)));
      cursor = page.next ?? undefined;
    } while (cursor);
    return pages;
  }
}

const sorted = (lines: string[]) => [...lines].sort();
/** An unsigned LEB128 varint, the length prefix of lpStream. */
function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return Buffer.from(out);
}
/** The lines of spans that replicate (all but `private` ones, which never leave their node). */
const replicated = (lines: string[]) => lines.filter((l) => (JSON.parse(l) as Span).visibility !== 'private');
const idsOf = (lines: string[]) => new Set(lines.map((l) => (JSON.parse(l) as Span).id));

/**
 * `timeline --ndjson` orders by ts, then by local row order: spans of two authors with the same millisecond may
 * come in either order on two nodes. This puts each run of equal ts in id order, and checks the ts order.
 */
function byTsThenId(lines: string[]): string[] {
  const spans = lines.map((l) => ({ l, s: JSON.parse(l) as Span }));
  for (let i = 1; i < spans.length; i++) expect(spans[i - 1].s.ts >= spans[i].s.ts).toBe(true);
  return spans.sort((a, b) => (a.s.ts === b.s.ts ? (a.s.id < b.s.id ? -1 : 1) : a.s.ts > b.s.ts ? -1 : 1)).map((x) => x.l);
}

describe('two daemons, A and B (B dials A)', () => {
  let A: Daemon;
  let B: Daemon;
  beforeAll(async () => {
    A = new Daemon('alice', T);
    B = new Daemon('bob');
    await A.admit(B);
    await Promise.all([A.start(), B.start()]);
  });
  afterAll(async () => {
    await Promise.all([A?.destroy(), B?.destroy()]);
  });
  /** Full trust both ways and a live session (what the first test ends with), so that each test can run alone. */
  const paired = async () => {
    if ((await A.peer(B.peerId))?.tenants[T] !== 'full') await A.ok(['peer', 'trust', B.peerId, '--tenant', T, '--trust', 'full']);
    if ((await B.peer(A.peerId))?.tenants[T] !== 'full') await B.ok(['peer', 'add', A.addr, '--tenant', T]);
    await until('A and B connected', async () => [(await A.peer(B.peerId))?.connected, (await B.peer(A.peerId))?.connected], ([a, b]) => a === true && b === true);
  };

  it('B, trusting A for the tenant, ends with all 10k spans A wrote, verified; digests and timeline pages are equal', async () => {
    const written = await A.write('bulk', 10_000);
    expect(written).toHaveLength(10_000);

    // A lets B read (only); B trusts A fully and knows its address, so B dials A
    await A.ok(['peer', 'trust', B.peerId, '--tenant', T, '--trust', 'read']);
    const head = A.headOf(A.did); // tenant.created, B's member.added and the 10k (trust spans are private)
    expect(head).toBe(written[written.length - 1].seq!);
    expect(head).toBe(10_002);
    await B.ok(['peer', 'add', A.addr, '--tenant', T]);
    await until('B to hold A\'s chain', () => B.headOf(A.did), (seq) => seq === head);

    const [onA, onB] = await Promise.all([A.exportLines('--author', A.did), B.exportLines('--author', A.did)]);
    expect(replicated(onA).length).toBe(head); // every span of A's chain (and its private trust spans, not sent)
    expect(onB).toEqual(replicated(onA)); // one chain: the same lines in the same (seq) order
    const verify = await B.run(['verify', '--all']);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^ok: /);

    // read-only trust: A refused what B offered, and holds nothing B wrote
    expect(await B.holds()).toBe(true);
    await B.ok(['log', 'B, a member, offers this']);
    const bOnA = await until('A to count B\'s refused pushes', () => A.peer(B.peerId), (p) => (p?.stats.rejected.NOT_TRUSTED_TO_WRITE ?? 0) > 0);
    expect(bOnA?.tenants).toEqual({ [T]: 'read' });
    expect(A.headOf(B.did)).toBe(0);

    // with full trust both ways, the whole tenant converges: equal digests and equal timeline pages
    await A.ok(['peer', 'trust', B.peerId, '--tenant', T, '--trust', 'full']);
    await until('equal digests', () => [A.digest(), B.digest()], ([a, b]) => a === b);
    // paged newest first, the same spans in the same order (each side's private trust spans left out)
    const [pagesA, pagesB] = await Promise.all([A.timelinePages(), B.timelinePages()]);
    expect(pagesA.length).toBeGreaterThanOrEqual(11);
    expect(replicated(pagesB.flat())).toEqual(replicated(pagesA.flat()));
    const [cliA, cliB] = await Promise.all([A.ok(['timeline', '--ndjson', '--tenant', T, '--limit', '1000']), B.ok(['timeline', '--ndjson', '--tenant', T, '--limit', '1000'])]);
    expect(cliA.split('\n').filter(Boolean)).toHaveLength(1000);
    const newest = (out: string) => replicated(out.split('\n').filter(Boolean)).slice(0, 990);
    expect(newest(cliB)).toEqual(newest(cliA));
    const count = async (d: Daemon) => (await d.json<{ tenants: { tenant: string; spans: number }[] }>(['node', 'status'])).tenants.find((t) => t.tenant === T)?.spans;
    // both chains, and each node's own private trust spans for the other (B: one; A: read, then full)
    expect(await count(B)).toBe(B.headOf(A.did) + B.headOf(B.did) + 1);
    expect(await count(A)).toBe(A.headOf(A.did) + A.headOf(B.did) + 2);
  });

  it('private spans written on A never appear on B (live push; the partition test covers a round)', async () => {
    await paired();
    const before = await A.append([{ title: 'private before', visibility: 'private' }, { title: 'public after private' }]);
    const live = await A.append([
      { title: 'private live 1', visibility: 'private' },
      { title: 'organization live', visibility: 'organization' },
      { title: 'private live 2', visibility: 'private' },
      { title: 'public live', visibility: 'public' },
    ]);
    const last = await A.append([{ title: 'marker after private' }]);
    await until('B to receive the spans around the private ones', () => B.headOf(A.did), (seq) => seq === last[0].seq);

    const privateIds = [...before, ...live].filter((s) => s.visibility === 'private').map((s) => s.id);
    expect(privateIds).toHaveLength(3);
    const onA = idsOf(await A.exportLines('--all-tenants'));
    for (const id of privateIds) expect(onA.has(id)).toBe(true);
    const onB = idsOf(await B.exportLines('--all-tenants'));
    for (const id of privateIds) expect(onB.has(id)).toBe(false);
    for (const s of [...before, ...live, ...last].filter((x) => x.visibility !== 'private')) expect(onB.has(s.id)).toBe(true);
    for (const id of privateIds) expect((await B.run(['span', 'show', id])).code).not.toBe(0);
  });

  it('A and B writing concurrently while connected end with equal digests and timelines', async () => {
    await paired();
    const headA = A.headOf(A.did);
    const headB = B.headOf(B.did);
    const since = new Date().toISOString();
    const writer = async (d: Daemon, prefix: string) => {
      for (let i = 0; i < 16; i++) await d.write(`${prefix} ${i}`, 25, 25);
    };
    await Promise.all([writer(A, 'concurrent a'), writer(B, 'concurrent b'), A.ok(['log', 'cli a']), B.ok(['log', 'cli b'])]);
    expect(A.headOf(A.did)).toBe(headA + 401);
    expect(B.headOf(B.did)).toBe(headB + 401);

    await until('equal digests', () => [A.digest(), B.digest()], ([a, b]) => a === b);
    expect(B.headOf(A.did)).toBe(headA + 401);
    expect(A.headOf(B.did)).toBe(headB + 401);
    const [exportA, exportB] = await Promise.all([A.exportLines(), B.exportLines()]);
    // each node's private spans (its trust decisions among them) stay home; all the rest is the same
    expect(sorted(replicated(exportB))).toEqual(sorted(replicated(exportA)));
    const window = ['timeline', '--ndjson', '--tenant', T, '--limit', '1000', '--since', since];
    const [tlA, tlB] = (await Promise.all([A.ok(window), B.ok(window)])).map((o) => o.split('\n').filter(Boolean));
    expect(tlA).toHaveLength(802);
    expect(byTsThenId(tlB)).toEqual(byTsThenId(tlA));
    expect((await A.peer(B.peerId))?.connected).toBe(true);
    expect((await B.peer(A.peerId))?.connected).toBe(true);
  });

  it('partition: B stops, both write, B restarts (on a new port, dialing A) and they converge', async () => {
    await paired();
    await B.stop();
    await until('A to see B gone', () => A.peer(B.peerId), (p) => p?.connected === false);
    const onA = await A.write('while B is down', 300, 100);
    const privateWhileDown = await A.append([{ title: 'private while B is down', visibility: 'private' }]);
    await A.ok(['log', 'A alone']);
    for (let i = 0; i < 3; i++) await B.ok(['log', `B alone ${i}`]); // no daemon: the CLI writes the store itself
    const headA = A.headOf(A.did);
    const headB = B.headOf(B.did);
    expect(B.headOf(A.did)).toBeLessThan(onA[0].seq!);
    expect(A.headOf(B.did)).toBeLessThan(headB);
    expect(A.digest()).not.toBe(B.digest());

    const oldAddr = B.addr;
    await B.start();
    expect(B.addr).not.toBe(oldAddr);
    await until('equal digests after the partition', () => [A.digest(), B.digest()], ([a, b]) => a === b);
    expect(B.headOf(A.did)).toBe(headA);
    expect(A.headOf(B.did)).toBe(headB);
    const [exportA, exportB] = await Promise.all([A.exportLines(), B.exportLines()]);
    expect(sorted(replicated(exportB))).toEqual(sorted(replicated(exportA)));
    expect(idsOf(exportA).has(privateWhileDown[0].id)).toBe(true);
    expect(idsOf(exportB).has(privateWhileDown[0].id)).toBe(false);
    expect((await B.run(['verify', '--all'])).code).toBe(0);
    expect((await A.run(['verify', '--all'])).code).toBe(0);
  });

  it('a hostile peer trusted by A: nothing invalid is stored, every reason is counted, and A keeps syncing with B', async () => {
    await paired();
    const h = await Harness.create(A.addr);
    let attacking = true;
    try {
      await A.ok(['peer', 'trust', h.peerId, '--tenant', T]);
      await A.admit(h); // its spans are judged on their signatures and chains, not refused as a non-member's
      const rejectedBefore = { ...(await A.peer(B.peerId))?.stats.rejected };

      // B keeps writing through the whole attack
      const honest: Span[] = [];
      const bWriter = (async () => {
        for (let i = 0; attacking || i < 5; i++) {
          honest.push(...await B.append([{ title: `honest during attack ${i}` }]));
          await sleep(40);
        }
      })();
      bWriter.catch(() => {}); // awaited below; a failed attack must not leave it unhandled

      const outcome: Record<string, string> = {};
      const h1 = h.span(T, 1, null, 'harness 1');
      const h2 = h.span(T, 2, h1.id, 'harness 2');
      const fork2 = h.span(T, 2, h1.id, 'harness 2, forked');
      const forged = { ...h.span(T, 3, h2.id, 'forged'), sig: signerFromSeed(randomBytes(32)).sign(randomBytes(32)).toString('hex') };
      const forgedBySomeoneElse = (() => { const s = h.span(T, 3, h2.id, 'forged 2'); return { ...s, sig: signerFromSeed(randomBytes(32)).sign(Buffer.from(s.id, 'hex')).toString('hex') }; })();
      const wrongId = { ...h.span(T, 3, h2.id, 'wrong id'), id: randomBytes(32).toString('hex') };
      const brokenChain = h.span(T, 3, randomBytes(32).toString('hex'), 'broken chain');
      const otherTenant = h.span('other', 1, null, 'other tenant');
      const smuggled = h.span('other', 1, null, 'smuggled into acme');

      // honest spans and a fork (both validly signed at seq 2): stored, the fork as evidence; no disconnect
      {
        const s = await h.open();
        s.send({ t: 'spans', tenant: T, items: [h1, h2] });
        s.send({ t: 'spans', tenant: T, items: [fork2] });
        await until('A to store the fork as evidence', () => A.peer(h.peerId), (p) => p?.stats.forks === 1);
        expect(s.error()).toBeUndefined();
        await s.close();
      }
      const attack = async (name: string, go: (s: HarnessSession) => void) => {
        const s = await h.open();
        go(s);
        outcome[name] = await s.closedWith();
      };
      await attack('forged signature', (s) => s.send({ t: 'spans', tenant: T, items: [forged] }));
      await attack('signature by another key', (s) => s.send({ t: 'spans', tenant: T, items: [forgedBySomeoneElse] }));
      await attack('wrong id', (s) => s.send({ t: 'spans', tenant: T, items: [wrongId] }));
      await attack('broken chain', (s) => s.send({ t: 'spans', tenant: T, items: [brokenChain] }));
      // the length prefix of a frame one byte over the limit, and its first 64 KiB (A must refuse it on the prefix,
      // never buffer it; pushing the whole MiB into a stream A has reset only makes the test slower)
      const oversized = Buffer.from(JSON.stringify({ t: 'spans', tenant: T, items: [h1], pad: 'x'.repeat(MAX_FRAME) })).subarray(0, MAX_FRAME + 1);
      await attack('oversized frame', (s) => s.sendRaw(Buffer.concat([varint(oversized.length), oversized.subarray(0, 64 * 1024)])));
      // midway: what B wrote so far is already on A, while the attack goes on
      const midway = honest[honest.length - 1].seq!;
      await until('A to hold B\'s spans in the middle of the attack', () => A.headOf(B.did), (seq) => seq >= midway);
      expect(attacking).toBe(true);
      await attack('garbage frame', (s) => s.sendFrame(Buffer.from('\u0000\u00ff not JSON {{{', 'latin1')));
      await attack('garbage bytes', (s) => s.sendRaw(new Uint8Array(64).fill(0xff)));
      await attack('unknown frame', (s) => s.send({ t: 'gimme', tenant: T }));
      await attack('untrusted tenant', (s) => s.send({ t: 'spans', tenant: 'other', items: [otherTenant] }));
      await attack('other tenant inside', (s) => s.send({ t: 'spans', tenant: T, items: [smuggled] }));
      await attack('untrusted want', (s) => s.send({ t: 'want', tenant: 'other', author: A.did, from: 1 }));
      attacking = false;
      await bWriter;

      expect(outcome).toEqual({
        'forged signature': 'SYNC_INVALID_SPAN',
        'signature by another key': 'SYNC_INVALID_SPAN',
        'wrong id': 'SYNC_INVALID_SPAN',
        'broken chain': 'SYNC_INVALID_SPAN',
        'oversized frame': 'SYNC_FRAME_TOO_LARGE',
        'garbage frame': 'SYNC_BAD_FRAME',
        'garbage bytes': 'SYNC_FRAME_TOO_LARGE',
        'unknown frame': 'SYNC_BAD_FRAME',
        'untrusted tenant': 'SYNC_NOT_TRUSTED',
        'other tenant inside': 'SYNC_WRONG_TENANT',
        'untrusted want': 'SYNC_NOT_TRUSTED',
      });

      // A kept syncing with B: everything B wrote meanwhile is on A, and the honest harness spans reached B
      const lastHonest = honest[honest.length - 1];
      await until('A to hold everything B wrote during the attack', () => A.headOf(B.did), (seq) => seq === lastHonest.seq);
      await until('equal digests after the attack', () => [A.digest(), B.digest()], ([a, b]) => a === b);
      expect(B.headOf(h.did)).toBe(2); // A relayed the harness's two valid spans, nothing more
      expect((await A.peer(B.peerId))?.connected).toBe(true);
      expect((await A.peer(B.peerId))?.stats.rejected).toEqual(rejectedBefore);

      // nothing invalid is stored: A holds exactly the two honest harness spans, and no span of "other"
      const all = await A.exportLines('--all-tenants');
      const ids = idsOf(all);
      expect(ids.has(h1.id) && ids.has(h2.id)).toBe(true);
      for (const bad of [fork2, forged, forgedBySomeoneElse, wrongId, brokenChain, otherTenant, smuggled]) expect(ids.has(bad.id)).toBe(false);
      expect(all.filter((l) => (JSON.parse(l) as Span).author === h.did)).toHaveLength(2);
      expect(all.some((l) => (JSON.parse(l) as Span).tenant === 'other')).toBe(false);
      expect(A.headOf(h.did)).toBe(2);
      expect(A.heads('other')).toEqual([]);
      expect(idsOf(await B.exportLines('--all-tenants')).has(fork2.id)).toBe(false);

      // the fork is evidence: `verify` on A reports it (and nothing else); B, which never saw it, verifies clean
      const verified = await A.run(['verify', '--all', '--json']);
      expect(verified.code).toBe(1);
      const report = JSON.parse(verified.stdout) as { ok: boolean; forks: number; findings: { code: string; id: string }[] };
      expect(report.ok).toBe(false);
      expect(report.forks).toBe(1);
      expect(report.findings.map((f) => [f.code, f.id])).toEqual([['CHAIN_FORK', fork2.id]]);
      expect((await B.run(['verify', '--all'])).code).toBe(0);

      // every reason is counted against the harness in `peer list`
      const list = JSON.parse(await A.ok(['peer', 'list', '--json'])) as PeerInfo[];
      const me = list.find((p) => p.peer === h.peerId)!;
      expect(me.stats.forks).toBe(1);
      expect(me.stats.rejected).toMatchObject({
        SPAN_BAD_SIG: 2, SPAN_BAD_ID: 1, CHAIN_BROKEN_PREV: 1, SYNC_INVALID_SPAN: 4,
        SYNC_FRAME_TOO_LARGE: 2, SYNC_BAD_FRAME: 2, SYNC_NOT_TRUSTED: 2, SYNC_WRONG_TENANT: 1,
      });
      const line = (await A.ok(['peer', 'list'])).split('\n').find((l) => l.startsWith(h.peerId))!;
      expect(line).toMatch(/forks 1/);
      expect(line).not.toMatch(/rejected 0 /);
    } finally {
      attacking = false;
      await h.stop();
    }
  });
});

describe('three daemons in a line, A–B–C, and an untrusted D', () => {
  let A: Daemon;
  let B: Daemon;
  let C: Daemon;
  let D: Daemon;

  beforeAll(async () => {
    A = new Daemon('ann', T);
    B = new Daemon('ben');
    C = new Daemon('cat');
    D = new Daemon('dov');
    await A.admit(B);
    await A.admit(C);
    await Promise.all([A.start(), B.start(), C.start(), D.start()]);
    // A and C trust only B; B trusts both and dials them (B is the one that restarts on a new port)
    await Promise.all([A.ok(['peer', 'trust', B.peerId, '--tenant', T]), C.ok(['peer', 'trust', B.peerId, '--tenant', T])]);
    await B.ok(['peer', 'add', A.addr, '--tenant', T]);
    await B.ok(['peer', 'add', C.addr, '--tenant', T]);
    await until('C to hold the tenant, through B', () => C.holds(), (yes) => yes);
  });
  afterAll(async () => {
    await Promise.all([A, B, C, D].map((d) => d?.destroy()));
  });

  it('spans written on A reach C through B, and back; A and C never connect', async () => {
    const fromA = await A.write('from A', 50, 25);
    await until('C to hold A\'s spans', () => C.headOf(A.did), (seq) => seq === fromA[fromA.length - 1].seq);
    const fromC = await C.write('from C', 20, 10);
    await until('A to hold C\'s spans', () => A.headOf(C.did), (seq) => seq === fromC[fromC.length - 1].seq);
    await until('three equal digests', () => [A.digest(), B.digest(), C.digest()], ([a, b, c]) => a === b && b === c);
    const [onA, onC] = await Promise.all([A.exportLines('--author', A.did), C.exportLines('--author', A.did)]);
    expect(onC).toEqual(replicated(onA));
    expect((await C.run(['verify', '--all'])).code).toBe(0);
    expect(await A.peer(C.peerId)).toBeUndefined();
    expect(await C.peer(A.peerId)).toBeUndefined();
    expect((await B.peers()).filter((p) => p.connected).map((p) => p.peer).sort()).toEqual([A.peerId, C.peerId].sort());
  });

  it('partition of the middle: B stops, A and C write, B restarts and all three converge', async () => {
    await B.stop();
    await until('A and C to see B gone', async () => [await A.peer(B.peerId), await C.peer(B.peerId)], ([a, c]) => a?.connected === false && c?.connected === false);
    const [fromA, fromC] = await Promise.all([A.write('A during partition', 40, 20), C.write('C during partition', 30, 10)]);
    await B.ok(['log', 'B during partition']);
    expect(C.headOf(A.did)).toBeLessThan(fromA[0].seq!);
    await B.start();
    await until('three equal digests after the partition', () => [A.digest(), B.digest(), C.digest()], ([a, b, c]) => a === b && b === c);
    expect(C.headOf(A.did)).toBe(fromA[fromA.length - 1].seq);
    expect(A.headOf(C.did)).toBe(fromC[fromC.length - 1].seq);
    const [eA, eB, eC] = await Promise.all([A.exportLines(), B.exportLines(), C.exportLines()]);
    expect(sorted(replicated(eB))).toEqual(sorted(replicated(eA)));
    expect(sorted(replicated(eC))).toEqual(sorted(replicated(eA)));
    for (const d of [A, B, C]) expect((await d.run(['verify', '--all'])).code).toBe(0);
  });

  it('an untrusted node D that dials A receives nothing of the tenant, and A counts the refusals', async () => {
    await A.ok(['log', 'A has news D must not get']);
    await D.ok(['peer', 'add', A.addr, '--tenant', T]);
    const seen = await until('A to refuse D twice', () => A.peer(D.peerId), (p) => (p?.stats.rejected.NOT_TRUSTED ?? 0) >= 2);
    expect(seen?.connected).toBe(false);
    expect(seen?.tenants).toEqual({});
    const list = JSON.parse(await A.ok(['peer', 'list', '--json'])) as PeerInfo[];
    expect(list.find((p) => p.peer === D.peerId)?.stats.rejected.NOT_TRUSTED).toBeGreaterThanOrEqual(2);
    expect(list.filter((p) => p.connected).map((p) => p.peer)).toEqual([B.peerId]);
    // D holds its own spans only
    const onD = (await D.exportLines('--all-tenants')).map((l) => JSON.parse(l) as Span);
    expect(onD.length).toBeGreaterThan(0);
    expect(onD.every((s) => s.author === D.did)).toBe(true);
    expect(D.heads()).toEqual([]); // nothing of T: its trust span for A is private
    expect((await D.peer(A.peerId))?.stats.received ?? 0).toBe(0);
  });
});

/** A session of the hostile harness: one stream to A, frames read as they come. */
interface HarnessSession {
  send(frame: object): void;
  /** A length-prefixed frame of arbitrary bytes. */
  sendFrame(bytes: Uint8Array): void;
  /** Bytes with no length prefix at all. */
  sendRaw(bytes: Uint8Array): void;
  /** A's `error` frame, if one came. */
  error(): { code: string; message: string } | undefined;
  /** Waits until A ends the stream; the code of A's `error` frame, or 'CLOSED WITHOUT ERROR'. */
  closedWith(): Promise<string>;
  close(): Promise<void>;
}

/** An in-process libp2p node speaking /logline/sync/1.0.0 with its own ed25519 key (= its span key). */
class Harness {
  readonly node: Libp2p;
  readonly signer: Signer;

  /** The full multiaddr of the node under attack. */
  readonly target: string;

  private constructor(node: Libp2p, signer: Signer, target: string) {
    this.node = node;
    this.signer = signer;
    this.target = target;
  }

  static async create(target: string): Promise<Harness> {
    const seed = randomBytes(32);
    const node = await createLibp2p({
      privateKey: await generateKeyPairFromSeed('Ed25519', seed),
      addresses: { listen: [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    });
    const h = new Harness(node, signerFromSeed(seed), target);
    expect(peerIdFromDid(h.did)).toBe(h.peerId);
    return h;
  }

  get peerId(): string {
    return this.node.peerId.toString();
  }

  get did(): string {
    return this.signer.did;
  }

  /** A validly signed span of the harness's own chain. */
  span(tenant: string, seq: number, prev: string | null, title: string): Span {
    const body = { v: 1 as const, author: this.did, tenant, seq, prev, ts: new Date().toISOString(), title, status: 'executed' as const, kind: 'user' as const, visibility: 'organization' as const };
    const id = spanIdBytes(canonicalJson(body));
    return { ...body, id: id.toString('hex'), sig: this.signer.sign(id).toString('hex') };
  }

  /** Opens a stream to the daemon under attack and says hello; retries while A still holds the last session. */
  async open(): Promise<HarnessSession> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const s = await this.tryOpen(this.target);
      if (s) return s;
      if (Date.now() > deadline) throw new Error('the attacked node never said hello');
      await sleep(100);
    }
  }

  private async tryOpen(target: string): Promise<HarnessSession | null> {
    const stream: Stream = await this.node.dialProtocol(multiaddr(target), PROTOCOL, { signal: AbortSignal.timeout(10_000) });
    const lp = lpStream(stream, { maxDataLength: 4 * MAX_FRAME });
    const frames: { t: string; code?: string; message?: string }[] = [];
    let ended = false;
    const reading = (async () => {
      try {
        for (;;) frames.push(JSON.parse(Buffer.from((await lp.read()).subarray()).toString('utf8')) as { t: string });
      } catch {
        ended = true;
      }
    })();
    const write = (bytes: Uint8Array) => { void lp.write(bytes).catch(() => {}); };
    const helloBy = Date.now() + 5000;
    while (!frames.some((f) => f.t === 'hello') && !ended && Date.now() < helloBy) await sleep(20);
    if (!frames.some((f) => f.t === 'hello')) {
      stream.abort(new Error('no hello'));
      return null;
    }
    write(Buffer.from(JSON.stringify({ t: 'hello', proto: 1, app: 'hostile-harness', node: this.did, tenants: [T, 'other'], caps: [] })));
    return {
      send: (frame) => write(Buffer.from(JSON.stringify(frame))),
      sendFrame: (bytes) => write(bytes),
      sendRaw: (bytes) => { stream.send(bytes); },
      error: () => frames.find((f) => f.t === 'error') as { code: string; message: string } | undefined,
      closedWith: async () => {
        const by = Date.now() + 15_000;
        while (!ended && Date.now() < by) await sleep(20);
        if (!ended) throw new Error('the attacked node did not close the stream');
        return frames.find((f) => f.t === 'error')?.code ?? 'CLOSED WITHOUT ERROR';
      },
      close: async () => {
        await stream.close().catch(() => stream.abort(new Error('closed')));
        await Promise.race([reading, sleep(2000)]);
      },
    };
  }

  async stop(): Promise<void> {
    await this.node.stop();
  }
}

/**
 * One simulated run from a seed: 3–5 nodes, one or two tenants whose trust graphs are lines or stars (some
 * edges trusted one way only), members that write concurrently with skewed clocks, a misbehaving author, and
 * faults (partitions, lost, repeated, reordered, delayed, garbage and tampered frames, broken connections, restarts).
 * Then every fault ends, the network runs until it is quiet, and the properties are checked.
 * Test harness only.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoglineError } from '../../errors/errors.js';
import { memberAdded, tenantCreated } from '../../tenants/events.js';
import type { Draft } from '../../timeline/build.js';
import { headsDigest, tenantHeads } from '../../timeline/frontier.js';
import { checkRun, type Written } from './check.js';
import { Mallory } from './mallory.js';
import { SimNet, settle } from './net.js';
import { SimNode } from './node.js';
import { Prng } from './prng.js';

export interface ScenarioOptions {
  /** Steps with faults before the final heal. */
  steps?: number;
  /** Steps the network may take after the final heal to become quiet. */
  quietWithin?: number;
  /** Largest clock skew of a node, in ms. */
  skewMs?: number;
  /**
   * Let clocks lag as well as lead (the default). A node whose clock is behind the owner's signs spans dated
   * before its member.added; peers take them because it is a writer now (the tenant gate's recheck).
   * `false` skews clocks only forward, after the setup.
   */
  lagging?: boolean;
}

export interface TenantPlan {
  slug: string;
  owner: string;
  members: string[];
  shape: 'line' | 'star';
  /** Trust edges [a, b, both ways?]. */
  edges: [string, string, boolean][];
}

export interface SimResult {
  seed: number;
  failures: string[];
  /** sha256 of the trace and of every node's final frontier: equal for equal seeds. */
  fingerprint: string;
  trace: string[];
  plan: TenantPlan[];
  counts: { nodes: number; steps: number; written: number; refused: number; sessions: number; forked: boolean };
}

const SLUGS = ['alpha', 'beta'];
const EPOCH = Date.parse('2026-03-01T00:00:00.000Z');

function plan(rng: Prng, names: string[]): TenantPlan[] {
  const count = rng.range(1, 2);
  return SLUGS.slice(0, count).map((slug) => {
    const order = names.map((n) => ({ n, k: rng.u32() })).sort((a, b) => a.k - b.k).map((x) => x.n);
    const size = rng.chance(0.6) ? order.length : rng.range(2, order.length);
    const members = order.slice(0, size);
    const shape = rng.chance(0.5) ? 'line' : 'star';
    const center = members[0];
    const pairs: [string, string][] = shape === 'line'
      ? members.slice(1).map((m, i) => [members[i], m])
      : members.slice(1).map((m) => [center, m]);
    const edges = pairs.map(([a, b]): [string, string, boolean] => [a, b, rng.chance(0.85)]);
    return { slug, owner: rng.pick(members), members, shape, edges };
  });
}

export async function runScenario(seed: number, opts: ScenarioOptions = {}): Promise<SimResult> {
  const rng = new Prng(seed);
  const dir = mkdtempSync(join(tmpdir(), `logline-sim-${seed}-`));
  const net = new SimNet(rng.fork());
  const writes: Written[] = [];
  let refused = 0;
  let now = EPOCH;
  const skewMax = opts.skewMs ?? 120_000;
  try {
    const n = rng.range(3, 5);
    for (let i = 0; i < n; i++) net.nodes.push(new SimNode(`n${i}`, join(dir, `n${i}`), rng.bytes(32)));
    const byName = new Map(net.nodes.map((x) => [x.name, x]));
    const lagging = opts.lagging ?? true;
    const skewMin = lagging ? -skewMax : 0;
    const skews = net.nodes.map(() => (rng.chance(0.5) ? rng.range(skewMin, skewMax) : 0));
    // clocks that only lead are skewed after the setup: no member's clock is then behind its member.added
    const skew = () => net.nodes.forEach((node, i) => { node.skewMs = skews[i]; });
    if (lagging) skew();
    const plans = plan(rng, net.nodes.map((x) => x.name));
    const record = (origin: string, spans: readonly { id: string; tenant: string; author: string; visibility: string }[]) => {
      for (const s of spans) writes.push({ id: s.id, tenant: s.tenant, author: s.author, origin, private: s.visibility === 'private' });
    };

    // setup: trust (private, local policy), then each tenant's genesis and members, written by its owner
    for (const p of plans) {
      for (const [a, b, both] of p.edges) {
        byName.get(a)!.trust(byName.get(b)!, p.slug, 'full', now);
        if (both) byName.get(b)!.trust(byName.get(a)!, p.slug, 'full', now);
      }
    }
    const mallory = rng.chance(0.6) ? new Mallory(rng.bytes(32), plans[0].slug, rng.chance(0.5)) : undefined;
    for (const p of plans) {
      const owner = byName.get(p.owner)!;
      // one span per append: each event is admitted against the tenant as the one before it left it
      const drafts: Draft[] = [tenantCreated(p.slug, p.slug)];
      for (const m of p.members) if (m !== p.owner) drafts.push(memberAdded(p.slug, byName.get(m)!.did, rng.chance(0.15) ? 'viewer' : 'member'));
      if (mallory && mallory.tenant === p.slug) drafts.push(memberAdded(p.slug, mallory.did, 'member'));
      for (const d of drafts) record(owner.name, owner.append([d], now));
    }
    if (!lagging) skew();
    net.log(`plan ${JSON.stringify(plans)}`);
    net.log(`clocks ${net.nodes.map((x) => `${x.name}:${x.skewMs}`).join(' ')}`);

    const write = (node: SimNode) => {
      const tenant = rng.pick(plans).slug;
      const k = rng.range(1, 4);
      const drafts: Draft[] = Array.from({ length: k }, (_, i) => ({
        tenant, title: `${node.name} ${net.step}.${i}`,
        ...(rng.chance(0.1) ? { visibility: 'private' as const } : {}),
        ...(rng.chance(0.3) ? { tags: ['sim', `t${rng.int(3)}`] } : {}),
        ...(rng.chance(0.2) ? { data: { n: rng.int(1000), s: 'é✓' } } : {}),
      }));
      try {
        const spans = node.append(drafts, now);
        record(node.name, spans);
        net.log(`write ${node.name} ${tenant} ${spans.map((s) => `${s.seq ?? 'p'}:${s.id.slice(0, 8)}`).join(',')}`);
      } catch (e) {
        if (!(e instanceof LoglineError)) throw e;
        refused++;
        net.log(`write ${node.name} ${tenant} refused ${e.code}`);
      }
    };

    const steps = opts.steps ?? rng.range(150, 400);
    for (let i = 0; i < steps; i++) {
      net.step++;
      now += rng.range(1, 40);
      const up = net.nodes.filter((x) => !x.down);
      const r = rng.float();
      if (r < 0.12) {
        if (up.length > 0) write(rng.pick(up));
      } else if (r < 0.15) {
        // Mallory's clock is ahead of every node's: its spans come after its membership wherever it is judged
        const line = mallory?.act(net.nodes, rng, new Date(now + skewMax + 1000).toISOString());
        if (line) net.log(line);
      } else if (r < 0.21) {
        const pairs = net.connectable();
        if (pairs.length > 0) net.connect(...rng.pick(pairs));
      } else if (r < 0.22) net.corrupt('drop');
      else if (r < 0.23) net.corrupt('duplicate');
      else if (r < 0.24) net.corrupt('reorder');
      else if (r < 0.245) net.garbage();
      else if (r < 0.26) net.delay();
      else if (r < 0.265) {
        const live = net.links.filter((l) => !l.dead);
        if (live.length > 0) net.breakLink(rng.pick(live), 'reset');
      } else if (r < 0.27) net.partition();
      else if (r < 0.28) net.heal();
      else if (r < 0.285) {
        if (up.length > 0) net.restart(rng.pick(up));
      } else if (r < 0.29) {
        const node = rng.pick(net.nodes);
        node.skewMs = rng.range(skewMin, skewMax);
        net.log(`skew ${node.name} ${node.skewMs}`);
      } else if (r < 0.295) net.tamper();
      else net.deliverOne();
      await settle();
    }

    // the final heal: no more faults or writes; connect what may connect and deliver until nothing moves
    net.calm();
    net.log('final heal');
    const within = opts.quietWithin ?? 20_000;
    let quiet = false;
    for (let i = 0; i < within; i++) {
      net.step++;
      for (const pair of net.connectable()) net.connect(...pair);
      if (!net.deliverOne() && net.background.size > 0) await Promise.all([...net.background]);
      await settle();
      if (net.quiet()) {
        quiet = true;
        break;
      }
    }
    const failures = quiet ? await checkRun(net, plans, writes, mallory) : [`the network did not become quiet within ${within} steps after the final heal`];
    const fingerprint = createHash('sha256');
    for (const line of net.trace) fingerprint.update(`${line}\n`);
    for (const node of net.nodes) for (const p of plans) fingerprint.update(`${node.name} ${p.slug} ${headsDigest(tenantHeads(node.home.repo, p.slug))}\n`);
    return {
      seed, failures, fingerprint: fingerprint.digest('hex'), trace: net.trace, plan: plans,
      counts: { nodes: net.nodes.length, steps: net.step, written: writes.length, refused, sessions: net.nodes.reduce((s, x) => s + x.ran.length, 0), forked: mallory?.fork !== undefined },
    };
  } finally {
    await Promise.all([...net.background]);
    for (const node of net.nodes) await node.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

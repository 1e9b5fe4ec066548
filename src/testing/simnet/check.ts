/**
 * The properties a simulated run must have once the network is quiet after the final heal. Test harness only.
 */
import { headsDigest, tenantHeads } from '../../timeline/frontier.js';
import { verifyStored } from '../../timeline/verify.js';
import type { Mallory } from './mallory.js';
import type { SimNet } from './net.js';
import type { SimNode } from './node.js';
import type { TenantPlan } from './scenario.js';

/** A span some node wrote (or Mallory handed to it): `origin` is that node. */
export interface Written {
  id: string;
  tenant: string;
  author: string;
  origin: string;
  private: boolean;
}

type IdRow = { id: Buffer; author: string };

function chained(node: SimNode, tenant: string): IdRow[] {
  return node.home.db.prepare(`SELECT s.id, a.did AS author FROM spans s JOIN authors a ON a.id = s.author
    WHERE s.tenant = ? AND s.seq IS NOT NULL`).all(tenant) as IdRow[];
}

/** Ids (spans and fork evidence) this node holds at one seq of an author's chain. */
function idsAt(node: SimNode, author: string, tenant: string, seq: number): { canonical: string | undefined; all: Set<string> } {
  const canonical = node.home.repo.idAtSeq(author, tenant, seq)?.toString('hex');
  const forks = node.home.db.prepare(`SELECT f.id FROM forks f JOIN authors a ON a.id = f.author WHERE a.did = ? AND f.tenant = ? AND f.seq = ?`)
    .pluck().all(author, tenant, seq) as Buffer[];
  return { canonical, all: new Set([...(canonical ? [canonical] : []), ...forks.map((f) => f.toString('hex'))]) };
}

/** Groups of nodes joined by trust both ways for the tenant (a session shares a tenant only then). */
function components(nodes: readonly SimNode[], tenant: string): SimNode[][] {
  const seen = new Set<SimNode>();
  const out: SimNode[][] = [];
  for (const start of nodes) {
    if (seen.has(start)) continue;
    const group: SimNode[] = [];
    const todo = [start];
    seen.add(start);
    while (todo.length > 0) {
      const n = todo.pop()!;
      group.push(n);
      for (const m of nodes) {
        if (!seen.has(m) && n.trusts(m).has(tenant) && m.trusts(n).has(tenant)) {
          seen.add(m);
          todo.push(m);
        }
      }
    }
    out.push(group);
  }
  return out;
}

const short = (ids: Iterable<string>) => [...ids].slice(0, 4).map((i) => i.slice(0, 8)).join(', ');

export async function checkRun(net: SimNet, plans: readonly TenantPlan[], writes: readonly Written[], mallory: Mallory | undefined): Promise<string[]> {
  const failures: string[] = [];
  const origin = new Map(writes.map((w) => [w.id, w]));
  for (const [id, node] of mallory?.origins ?? []) origin.set(id, { id, tenant: mallory!.tenant, author: mallory!.did, origin: node, private: false });

  for (const node of net.nodes) {
    // every stored span verifies (id, signature, chain links, the tenant's rules)
    const report = await verifyStored(node.home.repo, { recheck: (b) => node.home.tenants.recheck(b) });
    for (const f of report.findings.filter((x) => x.code !== 'CHAIN_FORK').slice(0, 5)) failures.push(`${node.name}: verify: ${f.code}: ${f.message}`);
    // forks: only the misbehaving author's, with evidence that verifies, and reported wherever both branches are held
    const forks = report.findings.filter((x) => x.code === 'CHAIN_FORK');
    const expectedFork = (f: (typeof forks)[number]) => mallory !== undefined && f.author === mallory.did && f.tenant === mallory.tenant && f.seq === mallory.fork?.seq && !/ does not verify/.test(f.message);
    for (const f of forks.filter((x) => !expectedFork(x)).slice(0, 5)) failures.push(`${node.name}: verify: an unexpected ${f.code}: ${f.message}`);
    if (mallory?.fork) {
      const { seq, ids } = mallory.fork;
      const held = idsAt(node, mallory.did, mallory.tenant, seq).all;
      const reported = forks.some(expectedFork);
      if (ids.every((id) => held.has(id)) && !reported) failures.push(`${node.name}: holds both branches at seq ${seq} and verify reports no fork`);
    }
    // no private span left its node
    const privates = node.home.db.prepare(`SELECT s.id, a.did AS author FROM spans s JOIN authors a ON a.id = s.author WHERE s.visibility = 'private'`).all() as IdRow[];
    for (const p of privates) {
      const w = origin.get(p.id.toString('hex'));
      if (p.author !== node.did || (w !== undefined && w.origin !== node.name)) failures.push(`${node.name}: holds the private span ${p.id.toString('hex').slice(0, 8)} of ${w?.origin ?? p.author}`);
    }
  }
  // a session fed garbage ended
  for (const link of net.poisoned) if (!link.dead) failures.push(`link #${link.id} ${link.a}-${link.b} was fed garbage and is still open`);

  for (const p of plans) {
    // only the misbehaving author forks (a fork of anyone else fails above): its spans are left out of the digests
    const forked = new Set<string>(mallory?.fork && mallory.tenant === p.slug ? [mallory.did] : []);
    for (const group of components(net.nodes, p.slug)) {
      const names = new Set(group.map((g) => g.name));
      const label = `${p.slug} [${[...names].join(' ')}]`;
      // exactly the spans the group wrote (authors that forked aside: each node keeps the branch it saw first)
      const expected = new Set([...origin.values()].filter((w) => w.tenant === p.slug && !w.private && names.has(w.origin) && !forked.has(w.author)).map((w) => w.id));
      const digests = new Set<string>();
      for (const node of group) {
        const held = new Set(chained(node, p.slug).filter((r) => !forked.has(r.author)).map((r) => r.id.toString('hex')));
        const missing = [...expected].filter((id) => !held.has(id));
        const extra = [...held].filter((id) => !expected.has(id));
        if (missing.length > 0) failures.push(`${label}: ${node.name} lacks ${missing.length} spans (${short(missing)}) written by ${[...new Set(missing.map((m) => origin.get(m)!.origin))].join(' ')}`);
        if (extra.length > 0) failures.push(`${label}: ${node.name} holds ${extra.length} spans it is not entitled to (${short(extra)}) from ${[...new Set(extra.map((m) => origin.get(m)?.origin ?? '?'))].join(' ')}`);
        digests.add(headsDigest(tenantHeads(node.home.repo, p.slug).filter(([author]) => !forked.has(author))));
      }
      if (digests.size > 1) failures.push(`${label}: ${digests.size} different digests`);
      // a fork is detected wherever both branches met: neighbours that kept different branches swap the evidence
      if (mallory?.fork && mallory.tenant === p.slug) {
        const { seq, ids } = mallory.fork;
        for (const u of group) {
          const mine = idsAt(u, mallory.did, p.slug, seq);
          for (const v of group) {
            if (u === v || !(u.trusts(v).has(p.slug) && v.trusts(u).has(p.slug))) continue;
            const theirs = idsAt(v, mallory.did, p.slug, seq);
            if (mine.canonical && theirs.canonical && mine.canonical !== theirs.canonical && !ids.every((id) => mine.all.has(id))) {
              failures.push(`${label}: ${u.name} kept ${mine.canonical.slice(0, 8)} at the forked seq ${seq}, its peer ${v.name} ${theirs.canonical.slice(0, 8)}, and ${u.name} has no evidence of the fork`);
            }
          }
        }
      }
    }
  }
  return failures;
}

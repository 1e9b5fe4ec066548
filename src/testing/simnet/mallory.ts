/**
 * A misbehaving author: a member of a tenant who hands its spans to nodes directly (as an import would) and,
 * once, signs two different spans at one seq and gives one branch to one node and the other to another.
 * It may then go on writing on one branch. Test harness only.
 */
import { signerFromSeed, type Signer } from '../../identity/ed25519.js';
import { canonicalJson, spanIdBytes } from '../../timeline/canonical.js';
import type { Span } from '../../timeline/span.js';
import type { SimNode } from './node.js';
import type { Prng } from './prng.js';

export interface Fork {
  seq: number;
  ids: [string, string];
}

export class Mallory {
  readonly signer: Signer;
  readonly tenant: string;
  /** Goes on writing on the first branch after the fork. */
  readonly goesOn: boolean;
  seq = 0;
  prev: string | null = null;
  fork: Fork | undefined;
  /** Span id → the node it was handed to. */
  readonly origins = new Map<string, string>();
  private n = 0;

  constructor(seed: Uint8Array, tenant: string, goesOn: boolean) {
    this.signer = signerFromSeed(seed);
    this.tenant = tenant;
    this.goesOn = goesOn;
  }

  get did(): string {
    return this.signer.did;
  }

  private span(seq: number, prev: string | null, ts: string): Span {
    const body = { v: 1 as const, author: this.did, tenant: this.tenant, seq, prev, ts, title: `mallory ${++this.n}`, status: 'executed' as const, kind: 'user' as const, visibility: 'organization' as const };
    const id = spanIdBytes(canonicalJson(body));
    return { ...body, id: id.toString('hex'), sig: this.signer.sign(id).toString('hex') };
  }

  /**
   * Nodes whose chain of this author ends where Mallory's (current branch) does, among those that know Mallory
   * is a member (a node that does not know the tenant yet would take anything, and flag it later).
   */
  private holders(nodes: readonly SimNode[]): SimNode[] {
    return nodes.filter((n) => {
      if (n.down || !n.home.tenants.state(this.tenant)?.members.has(this.did)) return false;
      const head = n.home.repo.head(this.did, this.tenant);
      return (head?.seq ?? 0) === this.seq && (head ? head.id.toString('hex') === this.prev : true);
    });
  }

  private give(node: SimNode, span: Span): boolean {
    const [r] = node.home.timeline.ingest([span], null);
    if (r.outcome !== 'stored') return false;
    this.origins.set(span.id, node.name);
    return true;
  }

  /** One move: extend the chain at a node that holds its head, or fork it between two such nodes. */
  act(nodes: readonly SimNode[], rng: Prng, ts: string): string | undefined {
    if (this.fork && !this.goesOn) return undefined;
    const holders = this.holders(nodes);
    if (holders.length === 0) return undefined;
    if (!this.fork && this.seq >= 1 && holders.length >= 2 && rng.chance(0.4)) {
      const x = rng.pick(holders);
      const y = rng.pick(holders.filter((h) => h !== x));
      const a = this.span(this.seq + 1, this.prev, ts);
      const b = this.span(this.seq + 1, this.prev, ts);
      if (!this.give(x, a)) return undefined;
      if (!this.give(y, b)) {
        this.seq++;
        this.prev = a.id;
        return `mallory extends to ${this.seq} at ${x.name} (fork refused at ${y.name})`;
      }
      this.seq++;
      this.prev = a.id;
      this.fork = { seq: this.seq, ids: [a.id, b.id] };
      return `mallory forks seq ${this.seq}: ${a.id.slice(0, 8)} at ${x.name}, ${b.id.slice(0, 8)} at ${y.name}`;
    }
    const x = rng.pick(holders);
    const s = this.span(this.seq + 1, this.prev, ts);
    if (!this.give(x, s)) return undefined;
    this.seq++;
    this.prev = s.id;
    return `mallory writes seq ${this.seq} at ${x.name}`;
  }
}

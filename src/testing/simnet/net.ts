/**
 * The simulated network: nodes, the links between them and a scheduler that, at each step, lets a seeded PRNG
 * pick what happens next (deliver a frame of some link, connect a pair, or a fault), then lets every promise
 * that can settle settle before the next step. No wall-clock timer decides anything, so a seed replays a run.
 * Test harness only.
 */
import { Link, type Side } from './link.js';
import type { SimNode } from './node.js';
import { mutateJson } from '../fuzz.js';
import type { Prng } from './prng.js';

/** Lets every promise chain that does not wait on the network run to its end. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function frameType(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 24)).toString('latin1');
  return /^\{"t":"([a-z]+)"/.exec(head)?.[1] ?? '?';
}

export class SimNet {
  readonly rng: Prng;
  readonly nodes: SimNode[] = [];
  readonly links: Link[] = [];
  /** Node name → group while partitioned; links across groups break and do not form. */
  private groups: Map<string, number> | null = null;
  /** A link marked broken after a fault breaks after this many more deliveries of its own. */
  private readonly breakAfter = new Map<Link, number>();
  /** Directions held back (delayed) until a step. */
  private readonly held = new Map<string, number>();
  /** Links fed bytes that are not a frame: their sessions must end on their own. */
  readonly poisoned: Link[] = [];
  private nextLink = 1;
  step = 0;
  readonly trace: string[] = [];
  /** Background work (restarts) that must finish before the run is over. */
  readonly background = new Set<Promise<void>>();

  constructor(rng: Prng) {
    this.rng = rng;
  }

  log(line: string): void {
    this.trace.push(`${this.step} ${line}`);
  }

  private live(a: SimNode, b: SimNode): Link | undefined {
    return this.links.find((l) => !l.dead && ((l.a === a.name && l.b === b.name) || (l.a === b.name && l.b === a.name)));
  }

  private apart(a: SimNode, b: SimNode): boolean {
    return this.groups !== null && this.groups.get(a.name) !== this.groups.get(b.name);
  }

  /** Pairs that would be in session (each trusts the other for some tenant) but are not. */
  connectable(): [SimNode, SimNode][] {
    const out: [SimNode, SimNode][] = [];
    for (let i = 0; i < this.nodes.length; i++) {
      for (let j = i + 1; j < this.nodes.length; j++) {
        const [a, b] = [this.nodes[i], this.nodes[j]];
        if (a.down || b.down || this.apart(a, b) || this.live(a, b)) continue;
        if (a.trusts(b).size > 0 && b.trusts(a).size > 0) out.push([a, b]);
      }
    }
    return out;
  }

  /** Connects a pair: a dials b, both run a session over the new link. */
  connect(a: SimNode, b: SimNode): void {
    const link = new Link(this.nextLink++, a.name, b.name);
    this.links.push(link);
    this.log(`connect ${link.a}-${link.b} #${link.id}`);
    a.open(b, link.channel(0), () => link.close(0));
    b.open(a, link.channel(1), () => link.close(1));
  }

  /** Directions with frames to deliver (not held back). */
  deliverable(): [Link, Side][] {
    const out: [Link, Side][] = [];
    for (const l of this.links) {
      if (l.dead) continue;
      for (const dir of [0, 1] as const) {
        if (l.dirs[dir].inflight.length > 0 && (this.held.get(`${l.id}:${dir}`) ?? 0) <= this.step) out.push([l, dir]);
      }
    }
    return out;
  }

  /** Delivers the oldest frame of a random direction; false when nothing can be delivered. */
  deliverOne(): boolean {
    const ready = this.deliverable();
    if (ready.length === 0) return false;
    const [link, dir] = this.rng.pick(ready);
    const bytes = link.deliver(dir);
    if (bytes) this.log(`deliver ${link.name(dir)} #${link.id} ${frameType(bytes)} ${bytes.length}`);
    const left = this.breakAfter.get(link);
    if (left !== undefined) {
      if (left <= 0) this.breakLink(link, 'after a fault');
      else this.breakAfter.set(link, left - 1);
    }
    return true;
  }

  breakLink(link: Link, why: string): void {
    if (link.dead) return;
    this.log(`break #${link.id} (${why})`);
    link.break();
    this.breakAfter.delete(link);
  }

  /** A frame in flight is lost, or arrives twice, or two swap places; the connection breaks soon after. */
  corrupt(kind: 'drop' | 'duplicate' | 'reorder'): void {
    const ready = this.deliverable().filter(([l, d]) => kind !== 'reorder' || l.dirs[d].inflight.length > 1);
    if (ready.length === 0) return;
    const [link, dir] = this.rng.pick(ready);
    const q = link.dirs[dir].inflight;
    const i = this.rng.int(q.length);
    if (kind === 'drop') q.splice(i, 1);
    else if (kind === 'duplicate') q.splice(i, 0, q[i]);
    else {
      const j = (i + 1) % q.length;
      [q[i], q[j]] = [q[j], q[i]];
    }
    this.log(`${kind} ${link.name(dir)} #${link.id} at ${i}`);
    if (!this.breakAfter.has(link)) this.breakAfter.set(link, this.rng.int(5));
  }

  /** Bytes that are no frame replace one in flight: the receiving session must end on its own. */
  garbage(): void {
    const ready = this.deliverable();
    if (ready.length === 0) return;
    const [link, dir] = this.rng.pick(ready);
    const q = link.dirs[dir].inflight;
    const i = this.rng.int(q.length);
    const kind = this.rng.int(3);
    q[i] = kind === 0 ? this.rng.bytes(this.rng.range(1, 64))
      : kind === 1 ? q[i].subarray(0, this.rng.int(q[i].length))
        : Buffer.from(`{"t":"${this.rng.pick(['nope', 'spans', 'hello', 'heads'])}","x":${this.rng.int(9)}}`);
    this.poisoned.push(link);
    this.log(`garbage ${link.name(dir)} #${link.id} at ${i} kind ${kind}`);
  }

  /**
   * A frame in flight is changed into another well-formed frame (a hostile peer's: a field removed, retyped or
   * edited, a span altered): the receiver must refuse what is invalid and store nothing wrong. The connection
   * breaks soon after, as after a lost frame (a changed digest or heads may leave a round incomplete).
   */
  tamper(): void {
    const ready = this.deliverable();
    if (ready.length === 0) return;
    const [link, dir] = this.rng.pick(ready);
    const q = link.dirs[dir].inflight;
    const i = this.rng.int(q.length);
    const before = q[i];
    let frame: unknown;
    try {
      frame = JSON.parse(Buffer.from(before).toString('utf8'));
    } catch {
      return; // garbage already
    }
    q[i] = Buffer.from(JSON.stringify(mutateJson(frame, this.rng)) ?? 'null', 'utf8');
    this.log(`tamper ${link.name(dir)} #${link.id} at ${i} ${frameType(before)}`);
    if (!this.breakAfter.has(link)) this.breakAfter.set(link, this.rng.int(5));
  }

  /** Holds a direction back for a number of steps (its frames wait; others overtake them on other links). */
  delay(): void {
    const ready = this.deliverable();
    if (ready.length === 0) return;
    const [link, dir] = this.rng.pick(ready);
    const until = this.step + this.rng.range(5, 60);
    this.held.set(`${link.id}:${dir}`, until);
    this.log(`delay ${link.name(dir)} #${link.id} until ${until}`);
  }

  partition(): void {
    const groups = new Map<string, number>();
    for (const n of this.nodes) groups.set(n.name, this.rng.int(2));
    this.groups = groups;
    this.log(`partition ${[...groups].map(([n, g]) => `${n}:${g}`).join(' ')}`);
    for (const l of this.links) if (!l.dead && groups.get(l.a) !== groups.get(l.b)) this.breakLink(l, 'partition');
  }

  heal(): void {
    if (this.groups === null) return;
    this.groups = null;
    this.log('heal');
  }

  /** Restarts a node in the background: the network keeps running while its sessions and store close. */
  restart(node: SimNode): void {
    if (node.down) return;
    const inflight = this.links.filter((l) => !l.dead && (l.a === node.name || l.b === node.name)).reduce((n, l) => n + l.dirs[0].inflight.length + l.dirs[1].inflight.length, 0);
    this.log(`restart ${node.name} (${inflight} frames in flight)`);
    const work = node.restart().finally(() => this.background.delete(work));
    this.background.add(work);
  }

  /** Ends every fault: partitions heal, held directions are released, a corrupted connection breaks. */
  calm(): void {
    this.heal();
    this.held.clear();
    for (const link of [...this.breakAfter.keys()]) this.breakLink(link, 'corrupted earlier');
  }

  /** Nothing in flight, nothing to connect, no restart under way. */
  quiet(): boolean {
    return this.background.size === 0 && this.deliverable().length === 0 && this.connectable().length === 0;
  }
}

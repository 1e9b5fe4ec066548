/**
 * An in-memory connection between two simulated nodes: two FrameChannels whose frames wait "in flight" until
 * the simulator delivers them, so that a seeded scheduler (not the event loop) decides every interleaving.
 * A bounded window per direction gives writers back-pressure. Faults act on the frames in flight.
 * Test harness only.
 */
import type { FrameChannel } from '../../federation/protocols/sync/session.js';

/** Frames a direction may hold (in flight plus delivered and unread) before a writer waits. */
export const WINDOW = 8;

type Reader = { resolve: (bytes: Uint8Array) => void; reject: (e: Error) => void };

class Direction {
  readonly inflight: Uint8Array[] = [];
  readonly arrived: Uint8Array[] = [];
  reader: Reader | undefined;
  readonly writers: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** The sender closed its side: the reader gets the end of the stream once the frames in flight are read. */
  ended = false;

  get backlog(): number {
    return this.inflight.length + this.arrived.length;
  }

  wakeWriters(): void {
    while (this.writers.length > 0 && this.backlog <= WINDOW) this.writers.shift()!.resolve();
  }

  failAll(e: () => Error): void {
    this.inflight.length = 0;
    this.arrived.length = 0;
    const r = this.reader;
    this.reader = undefined;
    r?.reject(e());
    for (const w of this.writers.splice(0)) w.reject(e());
  }

  /** Hands a frame to the reader (or its buffer); ends a waiting reader once nothing more can come. */
  arrive(bytes: Uint8Array | undefined): void {
    if (bytes !== undefined) {
      if (this.reader) {
        const r = this.reader;
        this.reader = undefined;
        r.resolve(bytes);
        this.wakeWriters();
      } else this.arrived.push(bytes);
    }
    if (this.ended && this.inflight.length === 0 && this.arrived.length === 0 && this.reader) {
      const r = this.reader;
      this.reader = undefined;
      r.reject(new Error('stream ended'));
    }
  }
}

export type Side = 0 | 1;

/** A connection between nodes `a` (side 0) and `b` (side 1). Direction 0 carries a→b, direction 1 b→a. */
export class Link {
  readonly a: string;
  readonly b: string;
  readonly id: number;
  readonly dirs: [Direction, Direction] = [new Direction(), new Direction()];
  readonly closed: [boolean, boolean] = [false, false];
  broken = false;

  constructor(id: number, a: string, b: string) {
    this.id = id;
    this.a = a;
    this.b = b;
  }

  /** Both ends are gone: the pair may connect again. */
  get dead(): boolean {
    return this.broken || (this.closed[0] && this.closed[1]);
  }

  name(dir: Side): string {
    return dir === 0 ? `${this.a}>${this.b}` : `${this.b}>${this.a}`;
  }

  channel(side: Side): FrameChannel {
    const out = this.dirs[side];
    const into = this.dirs[side === 0 ? 1 : 0];
    return {
      read: () => new Promise<Uint8Array>((resolve, reject) => {
        if (this.broken) return reject(new Error('connection reset'));
        if (this.closed[side]) return reject(new Error('stream closed'));
        if (into.arrived.length > 0) {
          resolve(into.arrived.shift()!);
          into.wakeWriters();
          return;
        }
        if (into.reader) return reject(new Error('two reads at once'));
        into.reader = { resolve, reject };
        into.arrive(undefined);
      }),
      write: (bytes) => new Promise<void>((resolve, reject) => {
        if (this.broken) return reject(new Error('connection reset'));
        if (this.closed[side] || this.closed[side === 0 ? 1 : 0]) return reject(new Error('stream closed'));
        out.inflight.push(bytes);
        if (out.backlog <= WINDOW) resolve();
        else out.writers.push({ resolve, reject });
      }),
      close: async () => this.close(side),
    };
  }

  /**
   * One side closes (a half-close, as `stream.close()`): what it wrote still arrives, then its peer reads the
   * end of the stream; what it had not read yet is discarded, and its own pending read and writes fail.
   */
  close(side: Side): void {
    if (this.closed[side]) return;
    this.closed[side] = true;
    const out = this.dirs[side];
    const into = this.dirs[side === 0 ? 1 : 0];
    into.failAll(() => new Error('stream closed'));
    for (const w of out.writers.splice(0)) w.reject(new Error('stream closed'));
    out.ended = true;
    out.arrive(undefined);
  }

  /** A connection reset: everything in flight is lost and both ends fail at once. */
  break(): void {
    if (this.broken) return;
    this.broken = true;
    for (const d of this.dirs) d.failAll(() => new Error('connection reset'));
  }

  /** Delivers the frame at `index` of direction `dir` (0: the oldest, as a stream does). */
  deliver(dir: Side, index = 0): Uint8Array | undefined {
    const d = this.dirs[dir];
    if (this.broken || index >= d.inflight.length) return undefined;
    const [bytes] = d.inflight.splice(index, 1);
    if (this.closed[dir === 0 ? 1 : 0]) return bytes; // the reader is gone: the frame is lost with it
    d.arrive(bytes);
    return bytes;
  }
}

import type { QueryFilters } from '../api/types.js';
import type { SpanRow, SpansRepo } from '../store/spans-repo.js';
import { SPAN_SELECT } from '../store/spans-repo.js';
import { matchesFilters } from '../timeline/match.js';
import { rowSpan } from '../timeline/query.js';

/** How a stream frames its events: one JSON line each, or server-sent events. */
export type EventFormat = 'ndjson' | 'sse';

export interface Subscriber {
  filters: QueryFilters;
  format: EventFormat;
  /**
   * Writes the events of one pump, framed (`{"type":"span","span":…,"from":…}` each). The chunk is made once for
   * every subscriber with the same filters and format, and never changed: a socket that cannot take it at once
   * keeps a reference, not a copy. Returns false when the subscriber is gone or too slow and must be dropped.
   */
  send(chunk: Buffer): boolean;
  close(): void;
}

/** One event as the stream carries it. */
export function frameEvent(format: EventFormat, type: string, json: string): string {
  return format === 'sse' ? `event: ${type}\ndata: ${json}\n\n` : `${json}\n`;
}

const POLL_MS = 25;
const PAGE = 1000;
/**
 * Time spent writing to subscribers before yielding to the event loop, so that appends are not held up by a big
 * fan-out (10,000 writes take several hundred ms).
 */
const SLICE_MS = 2;

/**
 * Live events from the store itself: it tails `spans` by local row order, so spans written by this daemon,
 * by a CLI process in-process, or by a peer all reach subscribers, once each, in commit order. The daemon's
 * own commits pump at once; other writers are noticed through `PRAGMA data_version` every 25 ms, while anyone
 * listens.
 */
export class EventHub {
  private readonly repo: SpansRepo;
  /** Each subscriber with the key of its group: the subscribers that get the same chunk (filters and format). */
  private readonly subs = new Map<Subscriber, string>();
  private cursor = 0;
  private version = -1;
  private timer: NodeJS.Timeout | undefined;
  private readonly page;
  private readonly maxRid;
  private scheduled = false;
  private started = false;
  private pumping = false;
  private again = false;

  constructor(repo: SpansRepo) {
    this.repo = repo;
    this.page = repo.db.prepare(`${SPAN_SELECT} WHERE s.rid > ? ORDER BY s.rid LIMIT ${PAGE}`);
    this.maxRid = repo.db.prepare('SELECT coalesce(max(rid), 0) AS m FROM spans');
  }

  get size(): number {
    return this.subs.size;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.cursor = (this.maxRid.get() as { m: number }).m;
    this.poll();
  }

  stop(): void {
    this.started = false;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.subs.keys()) s.close();
    this.subs.clear();
  }

  subscribe(sub: Subscriber): () => void {
    if (this.subs.size === 0) this.cursor = (this.maxRid.get() as { m: number }).m;
    this.subs.set(sub, `${sub.format} ${JSON.stringify(sub.filters)}`);
    this.poll();
    return () => {
      this.subs.delete(sub);
      this.poll();
    };
  }

  /**
   * Polls `data_version` only while someone listens: with nobody to tell, other writers' commits need no notice
   * (the first subscriber starts from the newest span), and an idle daemon spends no CPU on the 25 ms tick.
   */
  private poll(): void {
    if (this.timer && this.subs.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    if (this.timer || !this.started || this.subs.size === 0) return;
    this.version = this.dataVersion();
    this.timer = setInterval(() => {
      try {
        const v = this.dataVersion();
        if (v !== this.version) {
          this.version = v;
          this.pump();
        }
      } catch (e) {
        // a failed poll must not take the daemon down; the next tick tries again
        process.stderr.write(`logline daemon: event poll failed: ${(e as Error).message}\n`);
      }
    }, POLL_MS);
    this.timer.unref();
  }

  /** Pumps soon, once for however many commits come before then: off the path of the request that committed. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /**
   * Delivers every span committed since the last pump: each event serialised once, one chunk per group of
   * subscribers with the same filters and format, one write per subscriber, for at most SLICE_MS per turn of the
   * event loop. One pump runs at a time; commits made meanwhile are picked up by the next, so every subscriber
   * gets every span once, in commit order.
   */
  pump(): void {
    if (!this.started) return; // stopped: the store may be closed already
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.subs.size === 0) {
      this.cursor = (this.maxRid.get() as { m: number }).m;
      return;
    }
    const rows = this.page.all(this.cursor) as SpanRow[];
    if (rows.length === 0) return;
    this.cursor = rows[rows.length - 1].rid;
    const events = rows.map((row) => {
      const span = rowSpan(row);
      return { span, json: JSON.stringify({ type: 'span', span, from: row.received_from }) };
    });
    const subs = [...this.subs];
    // one chunk per group of subscribers, made when the first of them is served; null: none of the events match
    const chunks = new Map<string, Buffer | null>();
    const chunkOf = (sub: Subscriber, key: string): Buffer | null => {
      let chunk = chunks.get(key);
      if (chunk === undefined) {
        const mine = events.filter((e) => matchesFilters(e.span, sub.filters));
        chunk = mine.length === 0 ? null : Buffer.from(mine.map((e) => frameEvent(sub.format, 'span', e.json)).join(''));
        chunks.set(key, chunk);
      }
      return chunk;
    };
    this.pumping = true;
    const deliver = (from: number) => {
      const until = performance.now() + SLICE_MS;
      let i = from;
      for (; i < subs.length && (i === from || performance.now() < until); i++) {
        const [sub, key] = subs[i];
        if (!this.subs.has(sub)) continue;
        const chunk = chunkOf(sub, key);
        if (chunk !== null && !sub.send(chunk)) {
          this.subs.delete(sub);
          sub.close();
          this.poll();
        }
      }
      if (i < subs.length) {
        setImmediate(() => deliver(i));
        return;
      }
      this.pumping = false;
      if (this.again || rows.length === PAGE) {
        this.again = false;
        this.pump();
      }
    };
    deliver(0);
  }

  private dataVersion(): number {
    return this.repo.db.pragma('data_version', { simple: true }) as number;
  }
}

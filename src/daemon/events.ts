import type { QueryFilters } from '../api/types.js';
import type { SpanRow, SpansRepo } from '../store/spans-repo.js';
import { SPAN_SELECT } from '../store/spans-repo.js';
import { matchesFilters } from '../timeline/match.js';
import { rowSpan } from '../timeline/query.js';
import type { Span } from '../timeline/span.js';

export interface Subscriber {
  filters: QueryFilters;
  /** Delivers one event; returns false when the subscriber is gone or too slow and must be dropped. */
  send(span: Span, from: string | null): boolean;
  close(): void;
}

const POLL_MS = 25;
const PAGE = 1000;

/**
 * Live events from the store itself: it tails `spans` by local row order, so spans written by this daemon,
 * by a CLI process in-process, or by a peer all reach subscribers, once each, in commit order. The daemon's
 * own commits pump at once; other writers are noticed through `PRAGMA data_version` every 25 ms.
 */
export class EventHub {
  private readonly repo: SpansRepo;
  private readonly subs = new Set<Subscriber>();
  private cursor = 0;
  private version = -1;
  private timer: NodeJS.Timeout | undefined;
  private readonly page;
  private onDeliver: ((n: number) => void) | undefined;

  constructor(repo: SpansRepo, onDeliver?: (n: number) => void) {
    this.repo = repo;
    this.page = repo.db.prepare(`${SPAN_SELECT} WHERE s.rid > ? ORDER BY s.rid LIMIT ${PAGE}`);
    this.onDeliver = onDeliver;
  }

  get size(): number {
    return this.subs.size;
  }

  start(): void {
    if (this.timer) return;
    this.cursor = (this.repo.db.prepare('SELECT coalesce(max(rid), 0) AS m FROM spans').get() as { m: number }).m;
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

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.subs) s.close();
    this.subs.clear();
  }

  subscribe(sub: Subscriber): () => void {
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  /** Delivers every span committed since the last pump. */
  pump(): void {
    for (;;) {
      const rows = this.page.all(this.cursor) as SpanRow[];
      if (rows.length === 0) return;
      this.cursor = rows[rows.length - 1].rid;
      if (this.subs.size === 0) continue;
      for (const row of rows) {
        const span = rowSpan(row);
        let delivered = 0;
        for (const sub of this.subs) {
          if (!matchesFilters(span, sub.filters)) continue;
          if (sub.send(span, row.received_from)) delivered++;
          else {
            this.subs.delete(sub);
            sub.close();
          }
        }
        this.onDeliver?.(delivered);
      }
      if (rows.length < PAGE) return;
    }
  }

  private dataVersion(): number {
    return this.repo.db.pragma('data_version', { simple: true }) as number;
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiEvent } from '../api/routes.js';
import type { QueryFilters } from '../api/types.js';
import type { Home } from '../node/home.js';
import { SPAN_SELECT, type SpanRow } from '../store/spans-repo.js';
import { matchesFilters } from '../timeline/match.js';
import { rowSpan } from '../timeline/query.js';
import { VERSION } from '../version.js';

const POLL_MS = 100;
const PAGE = 1000;

/**
 * Live events without a daemon, with the same shape as the daemon's stream: spans committed from now on by any
 * writer of the store (other CLI processes, a daemon), in commit order. It tails `spans` by row order and
 * notices other connections' commits through `PRAGMA data_version`.
 */
export async function* localEvents(home: Home, filters: QueryFilters, signal?: AbortSignal, pollMs = POLL_MS): AsyncIterable<ApiEvent> {
  const db = home.db;
  const page = db.prepare(`${SPAN_SELECT} WHERE s.rid > ? ORDER BY s.rid LIMIT ${PAGE}`);
  let cursor = (db.prepare('SELECT coalesce(max(rid), 0) AS m FROM spans').get() as { m: number }).m;
  let version = db.pragma('data_version', { simple: true }) as number;
  yield { type: 'hello', node: home.keystore.get(home.defaultIdentity()).did, version: VERSION };
  while (!signal?.aborted) {
    const now = db.pragma('data_version', { simple: true }) as number;
    if (now !== version) {
      version = now;
      for (;;) {
        const rows = page.all(cursor) as SpanRow[];
        if (rows.length === 0) break;
        cursor = rows[rows.length - 1].rid;
        for (const row of rows) {
          const span = rowSpan(row);
          if (matchesFilters(span, filters)) yield { type: 'span', span, from: row.received_from };
        }
        if (rows.length < PAGE) break;
      }
    }
    await sleep(pollMs, undefined, { signal }).catch(() => {});
  }
}

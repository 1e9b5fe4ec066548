// Query latency on a large store: `queryTimeline(home.repo, filters)` in process, one page of 50, newest first.
// Goal: the plain tenant page ≤ 5 ms median. Pages with a tag filter, a --since filter, and FTS searches are
// reported alongside. Each is compared with the SQL that queryTimeline builds, prepared once and run through
// better-sqlite3 with no span decoding (the baseline).
//
// The store (default 1M spans over 10 tenants, appended through home.timeline.append) is cached under
// bench/out/, keyed by size and by a hash of the migrations, the row mapping and the draft generator, so reruns
// skip the generation. A new store removes older stores of the same size.
//   node bench/query.mjs [--n 1000000] [--tenants 10] [--runs 200] [--fresh] [--plans]
import { Home } from '../dist/node/home.js';
import { queryTimeline } from '../dist/timeline/query.js';
import { flag, fmtMs, fmtX, header, median, ms, now, opt, quantile, table } from './lib.mjs';
import { STEP_MS, T0, cachedStore, storeTenants } from './store.mjs';

const N = opt('n', 1_000_000);
const TENANTS = opt('tenants', 10);
const RUNS = opt('runs', 200);
const BATCH = opt('batch', 10_000);
const GOAL_MS = 5;

header('query');

// --- the store, cached (bench/store.mjs) ------------------------------------------------------------------
const cached = await cachedStore({ n: N, tenants: TENANTS, batch: BATCH, fresh: flag('fresh') });
const tenants = (first) => storeTenants(first, TENANTS);

// --- the queries ----------------------------------------------------------------------------------------
const home = new Home({ home: cached });
const repo = home.repo;
const names = tenants(home.tenant());
const total = repo.count();
const endTs = new Date(T0 + (N - 1) * STEP_MS);
const since = new Date(endTs.getTime() - 86_400_000).toISOString(); // the last day
const cases = [
  { what: 'tenant page (limit 50)', filters: (t) => ({ tenant: t, limit: 50 }), goal: true },
  { what: 'tenant + tag "common" (~10%)', filters: (t) => ({ tenant: t, tags: ['common'], limit: 50 }) },
  { what: 'tenant + tag "rare" (~1%)', filters: (t) => ({ tenant: t, tags: ['rare'], limit: 50 }) },
  { what: 'tenant + since (last day)', filters: (t) => ({ tenant: t, since, limit: 50 }) },
  { what: 'tenant + text "invoice" (~10%)', filters: (t) => ({ tenant: t, text: 'invoice', limit: 50 }) },
  { what: 'tenant + text "paid invoice" (~1%)', filters: (t) => ({ tenant: t, text: 'paid invoice', limit: 50 }) },
];

// Baseline: the very SQL queryTimeline builds (captured from its prepare/all calls), prepared once and run raw
// through better-sqlite3: the SQLite part of each figure, without statement preparation and span decoding.
function captured(filters) {
  const db = repo.db;
  const prepare = db.prepare;
  let sql;
  let args;
  db.prepare = function (text) {
    const st = prepare.call(this, text);
    sql = text;
    const all = st.all;
    st.all = function (...a) { args = a; return all.apply(this, a); };
    return st;
  };
  try { queryTimeline(repo, filters); } finally { db.prepare = prepare; }
  return { st: prepare.call(db, sql), sql, args };
}
const raw = cases.map((c) => new Map(names.map((t) => [t, captured(c.filters(t))])));

function timeRuns(fn) {
  for (let i = 0; i < Math.min(10, RUNS); i++) fn(names[i % names.length]); // warm-up
  const xs = [];
  for (let i = 0; i < RUNS; i++) {
    const t = names[i % names.length];
    const t0 = now();
    fn(t);
    xs.push(ms(t0));
  }
  return xs;
}

const rows = [];
const counts = [];
cases.forEach((c, k) => {
  const page = queryTimeline(repo, c.filters(names[1 % names.length]));
  counts.push(`${c.what}: ${page.spans.length} spans${page.next ? ' + more' : ''}`);
  const q = timeRuns((t) => queryTimeline(repo, c.filters(t)));
  const r = timeRuns((t) => { const { st, args } = raw[k].get(t); st.all(...args); });
  if (flag('plans')) {
    const { sql, args } = raw[k].get(names[0]);
    const plan = repo.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args).map((p) => p.detail).join('; ');
    counts.push(`  plan: ${plan}`);
  }
  const qm = median(q);
  rows.push({ what: `${c.what}  median`, figure: fmtMs(qm), goal: c.goal ? `≤ ${GOAL_MS} ms` : undefined, ok: c.goal ? qm <= GOAL_MS : undefined, ratio: `${fmtX(qm / median(r))} raw SQL` });
  rows.push({ what: `${c.what}  p99`, figure: fmtMs(quantile(q, 0.99)), ratio: `${fmtX(quantile(q, 0.99) / quantile(r, 0.99))} raw SQL` });
  rows.push({ what: `  same SQL prepared once, rows not decoded  median`, figure: fmtMs(median(r)), ratio: 'baseline' });
});
home.close();

table(`queryTimeline on ${total.toLocaleString('en-US')} spans, ${TENANTS} tenants, ${RUNS} runs each (tenants rotated)`, rows, counts);

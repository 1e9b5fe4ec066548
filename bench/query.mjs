// Query latency on a large store: `queryTimeline(home.repo, filters)` in process, one page of 50, newest first.
// Goal: the plain tenant page ≤ 5 ms median. Pages with a tag filter, a --since filter, and FTS searches are
// reported alongside, each against the same SQL run raw through better-sqlite3 (no span decoding) as baseline.
//
// The store (default 1M spans over 10 tenants, appended through home.timeline.append) is cached under
// bench/out/, keyed by size and by a hash of the schema and storage code, so reruns skip the generation.
//   node bench/query.mjs [--n 1000000] [--tenants 10] [--runs 200] [--fresh]
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Home } from '../dist/node/home.js';
import { queryTimeline } from '../dist/timeline/query.js';
import { OUT, ROOT, draft, flag, fmtMs, fmtX, header, initHome, median, ms, now, opt, progress, quantile, table } from './lib.mjs';

const N = opt('n', 1_000_000);
const TENANTS = opt('tenants', 10);
const RUNS = opt('runs', 200);
const BATCH = opt('batch', 10_000);
const GOAL_MS = 5;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const STEP_MS = 1000; // one span a second across the node: 1M spans ≈ 11.6 days

header('query');

// --- the store, cached ------------------------------------------------------------------------------------
function codeKey() {
  const h = createHash('sha256');
  const migrations = join(ROOT, 'migrations');
  for (const f of readdirSync(migrations).sort()) h.update(f).update(readFileSync(join(migrations, f)));
  for (const f of ['dist/store/spans-repo.js', 'dist/timeline/rows.js', 'dist/timeline/timeline.js', 'bench/lib.mjs']) h.update(readFileSync(join(ROOT, f)));
  return h.digest('hex').slice(0, 12);
}
const tenants = (first) => Array.from({ length: TENANTS }, (_, t) => (t === 0 ? first : `tenant-${t}`));
const cached = join(OUT, `query-home-n${N}-t${TENANTS}-${codeKey()}`);
if (flag('fresh')) rmSync(cached, { recursive: true, force: true });
if (!existsSync(cached)) {
  mkdirSync(OUT, { recursive: true });
  const tmp = initHome({ prefix: 'logline-bench-query-' });
  const home = new Home({ home: tmp });
  const signer = home.signer();
  const names = tenants(home.tenant());
  progress(`generating ${N} spans over ${TENANTS} tenants into ${tmp} (cached afterwards at ${cached})`);
  const t0 = now();
  for (let i = 0; i < N; i += BATCH) {
    const drafts = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) drafts.push(draft(j, names[j % TENANTS], { ts: new Date(T0 + j * STEP_MS).toISOString() }));
    home.timeline.append(drafts, signer);
    const done = Math.min(N, i + BATCH);
    if ((done / BATCH) % 10 === 0 || done === N) progress(`${done}/${N} spans, ${Math.round(done / (ms(t0) / 1000))}/s`);
  }
  home.db.pragma('wal_checkpoint(TRUNCATE)');
  home.close();
  progress(`generated in ${(ms(t0) / 1000).toFixed(0)} s`);
  // copy (tmp may be on another filesystem), then publish atomically by rename
  const staging = `${cached}.partial`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(tmp, staging, { recursive: true });
  renameSync(staging, cached);
} else {
  progress(`using the cached store ${cached} (--fresh to regenerate)`);
}

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

// the same SQL queryTimeline builds, run raw: the SQLite part of each figure
const RAW = 'SELECT s.rid, s.id, s.sig, s.body FROM spans s WHERE s.tenant = ? %W ORDER BY s.ts DESC, s.rid DESC LIMIT 51';
const raw = [
  [repo.db.prepare(RAW.replace('%W', '')), (t) => [t]],
  [repo.db.prepare(RAW.replace('%W', 'AND s.rid IN (SELECT rid FROM span_tags WHERE tag = ?)')), (t) => [t, 'common']],
  [repo.db.prepare(RAW.replace('%W', 'AND s.rid IN (SELECT rid FROM span_tags WHERE tag = ?)')), (t) => [t, 'rare']],
  [repo.db.prepare(RAW.replace('%W', 'AND s.ts >= ?')), (t) => [t, since]],
  [repo.db.prepare(RAW.replace('%W', 'AND s.rid IN (SELECT rowid FROM spans_fts WHERE spans_fts MATCH ?)')), (t) => [t, '"invoice"']],
  [repo.db.prepare(RAW.replace('%W', 'AND s.rid IN (SELECT rowid FROM spans_fts WHERE spans_fts MATCH ?)')), (t) => [t, '"paid" "invoice"']],
];

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
  const [st, args] = raw[k];
  const r = timeRuns((t) => st.all(...args(t)));
  const qm = median(q);
  rows.push({ what: `${c.what}  median`, figure: fmtMs(qm), goal: c.goal ? `≤ ${GOAL_MS} ms` : undefined, ok: c.goal ? qm <= GOAL_MS : undefined, ratio: `${fmtX(qm / median(r))} raw SQL` });
  rows.push({ what: `${c.what}  p99`, figure: fmtMs(quantile(q, 0.99)), ratio: `${fmtX(quantile(q, 0.99) / quantile(r, 0.99))} raw SQL` });
  rows.push({ what: `  raw SQL, same query  median`, figure: fmtMs(median(r)), ratio: 'baseline' });
});
home.close();

table(`queryTimeline on ${total.toLocaleString('en-US')} spans, ${TENANTS} tenants, ${RUNS} runs each (tenants rotated)`, rows, counts);

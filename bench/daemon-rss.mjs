// Daemon memory on a large store: a daemon (`logline node start`) on a home holding N spans over 10 tenants
// (the cached store of bench/store.mjs, shared with query.mjs, copied into a temp home), exercised through the
// typed client: status, queries (the filters of query.mjs on every tenant), gets by id, an export of one tenant,
// then M more spans appended through the API in batches of 1000 with 4 requests in flight. VmRSS and VmHWM
// (peak) from /proc/<pid>/status after each step. Goal: ≤ 200 MB. Baseline: a daemon on an empty home, started
// and queried the same way in the same run. Where the memory goes: bench/daemon-probe.cjs is preloaded into the
// daemons (--no-probe to leave it out) and reports V8's heap and external memory at each step; at the end a forced
// full GC shows how much of the RSS was garbage not yet collected. The goal is read after --idle seconds (30) of
// idleness: the steady state, once the signing workers have ended and V8 has shrunk its heap.
//   node bench/daemon-rss.mjs [--n 1000000] [--more 100000] [--tenants 10] [--in-flight 4] [--idle 30] [--fresh] [--prof] [--no-probe]
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../dist/index.js';
import { draft, flag, fmtMs, fmtRate, header, initHome, ms, now, opt, progress, table, tempDir } from './lib.mjs';
import { PROFILE, fmtMB, fmtMem, fmtProbe, memOf, probe, probeEnv, startDaemon, summariseProfile } from './daemon-lib.mjs';
import { STEP_MS, T0, cachedStore, storeTenants } from './store.mjs';

const N = opt('n', 1_000_000);
const MORE = opt('more', 100_000);
const TENANTS = opt('tenants', 10);
const IN_FLIGHT = opt('in-flight', 4);
const IDLE = Math.max(3, opt('idle', 30));
const BATCH = 1000;
const GOAL_MB = 200;
const PROBE = !flag('no-probe');
const probeDir = tempDir('logline-bench-probe-');
const env = PROBE ? probeEnv(probeDir) : {};

header('daemon-rss');
const names = storeTenants('bench', TENANTS);
const since = new Date(T0 + (N - 1) * STEP_MS - 86_400_000).toISOString();
const filters = [
  (t) => ({ tenant: t, limit: 50 }),
  (t) => ({ tenant: t, tags: ['common'], limit: 50 }),
  (t) => ({ tenant: t, tags: ['rare'], limit: 50 }),
  (t) => ({ tenant: t, since, limit: 50 }),
  (t) => ({ tenant: t, text: 'invoice', limit: 50 }),
  (t) => ({ tenant: t, text: 'paid invoice', limit: 50 }),
];

/** Status, every filter on every tenant (and a second page of each), and gets by id. Returns the query count. */
async function exercise(client) {
  await client.status();
  let n = 0;
  const ids = [];
  for (const t of names) {
    for (const f of filters) {
      const page = await client.query(f(t));
      n++;
      if (page.next) { await client.query({ ...f(t), cursor: page.next }); n++; }
      if (page.spans[0]) ids.push(page.spans[0].id);
    }
  }
  for (const id of ids) { await client.get(id); n++; }
  return n;
}

// --- baseline: a daemon on an empty home ----------------------------------------------------------------
const emptyHome = initHome({ prefix: 'logline-bench-rss-empty-' });
const base = await startDaemon(emptyHome, { prof: false, env });
let baseStart;
let baseAfter;
try {
  await new Promise((r) => setTimeout(r, 500));
  baseStart = memOf(base.pid);
  const c = await connect({ home: emptyHome });
  await exercise(c);
  await c.close();
  baseAfter = memOf(base.pid);
} finally {
  await base.stop();
}

// --- the store ------------------------------------------------------------------------------------------
const store = await cachedStore({ n: N, tenants: TENANTS, fresh: flag('fresh') });
const homeDir = tempDir('logline-bench-rss-');
let t0 = now();
cpSync(store, homeDir, { recursive: true });
progress(`copied the store into ${homeDir} in ${(ms(t0) / 1000).toFixed(1)} s`);

// --- the daemon on it -------------------------------------------------------------------------------------
t0 = now();
const daemon = await startDaemon(homeDir, { label: 'daemon-rss', env });
const startMs = ms(t0);
const steps = [];
const step = async (what, extra = '') => {
  const m = memOf(daemon.pid);
  const p = PROBE ? (await probe(probeDir, daemon.pid))?.before : null;
  steps.push({ what, m, p, extra });
  progress(`${what}: ${fmtMem(m)}${p ? `; ${fmtProbe(p, m)}` : ''}${extra ? `; ${extra}` : ''}`);
};
let afterGc = null;
let profile = null;
let spansAtEnd = 0;
try {
  await step(`started (\`node start\` took ${fmtMs(startMs)})`);
  await new Promise((r) => setTimeout(r, 1000));
  await step('idle 1 s');
  const client = await connect({ home: homeDir });
  t0 = now();
  const queries = await exercise(client);
  await step(`${queries} requests: status, 6 filters × ${TENANTS} tenants (+ next pages), gets`, `${fmtMs(ms(t0))}`);

  const exportTenant = names[1 % names.length];
  t0 = now();
  let lines = 0;
  let bytes = 0;
  for await (const line of client.exportLines({ tenant: exportTenant })) { lines++; bytes += line.length + 1; }
  await step(`export of tenant ${exportTenant}: ${lines.toLocaleString('en-US')} spans, ${(bytes / 1e6).toFixed(0)} MB`, `${fmtMs(ms(t0))}`);

  t0 = now();
  let next = 0;
  let stored = 0;
  let seq = N;
  let peakDuring = 0;
  const sampler = setInterval(() => { peakDuring = Math.max(peakDuring, memOf(daemon.pid).rss); }, 200);
  const worker = async () => {
    while (next < MORE) {
      const from = next;
      next += BATCH;
      const drafts = [];
      for (let j = from; j < Math.min(MORE, from + BATCH); j++) drafts.push(draft(seq++, 'bench'));
      const spans = await client.append({ drafts });
      stored += spans.length;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  clearInterval(sampler);
  const appendRate = MORE / (ms(t0) / 1000);
  await step(`${MORE.toLocaleString('en-US')} more spans appended, batches of ${BATCH}, ${IN_FLIGHT} in flight`, `${fmtRate(appendRate)}, RSS sampled every 200 ms peaked at ${fmtMB(peakDuring)}`);
  if (stored !== MORE) throw new Error(`stored ${stored} of ${MORE}`);

  t0 = now();
  await exercise(client);
  await step('the same queries again', fmtMs(ms(t0)));
  spansAtEnd = (await client.status()).spans;
  await client.close();
  await new Promise((r) => setTimeout(r, 2000));
  await step('idle 2 s');
  // a settled daemon: its signing workers have ended (3 s idle) and V8's memory reducer has had its idle time
  await new Promise((r) => setTimeout(r, (IDLE - 2) * 1000));
  await step(`idle ${IDLE} s`);
  if (PROBE) {
    const g = await probe(probeDir, daemon.pid, { gc: true });
    await new Promise((r) => setTimeout(r, 500));
    afterGc = { m: memOf(daemon.pid), p: g?.after };
  }
} finally {
  profile = await daemon.stop();
}

const last = steps[steps.length - 1].m;
const peak = Math.max(...steps.map((s) => s.m.hwm));
table(`daemon memory on a store of ${N.toLocaleString('en-US')} spans (${spansAtEnd.toLocaleString('en-US')} at the end), ${TENANTS} tenants`, [
  ...steps.map((s, i) => ({
    what: `${s.what}  RSS`, figure: fmtMB(s.m.rss),
    goal: i === steps.length - 1 ? `≤ ${GOAL_MB} MB` : undefined, ok: i === steps.length - 1 ? s.m.rss <= GOAL_MB : undefined,
    ratio: `${(s.m.rss / baseAfter.rss).toFixed(2)}× empty`,
  })),
  ...(afterGc ? [{ what: 'then after a forced full GC (probe)  RSS', figure: fmtMB(afterGc.m.rss), ratio: `${(afterGc.m.rss / baseAfter.rss).toFixed(2)}× empty` }] : []),
  { what: 'peak RSS of the daemon (VmHWM)', figure: fmtMB(peak), goal: `≤ ${GOAL_MB} MB`, ok: peak <= GOAL_MB, ratio: `${(peak / baseAfter.hwm).toFixed(2)}× empty` },
  { what: 'baseline: daemon on an empty home, started  RSS', figure: fmtMB(baseStart.rss) },
  { what: 'baseline: daemon on an empty home, same requests  RSS', figure: fmtMB(baseAfter.rss), ratio: 'baseline' },
], [
  ...steps.map((s) => `${s.what}: ${fmtMem(s.m)}, ${s.m.threads} threads${s.extra ? `; ${s.extra}` : ''}${s.p ? `\n      ${fmtProbe(s.p, s.m)}` : ''}`),
  ...(afterGc ? [`after a forced full GC: ${fmtMem(afterGc.m)}${afterGc.p ? `; ${fmtProbe(afterGc.p, afterGc.m)}` : ''}`] : []),
  `empty home: ${fmtMem(baseAfter)}`,
  'anon = anonymous memory (heaps, SQLite page caches: cache_size 64 MiB per connection); file = code and mapped files',
  'other anon = anon − main V8 heap − external: SQLite caches, malloc and its fragmentation, thread stacks, worker heaps',
]);
if (PROFILE) summariseProfile(profile);

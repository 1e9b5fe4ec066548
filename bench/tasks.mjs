// The task engine: N `emit` tasks (--n, 10k) queued in one transaction into a home whose daemon runs (`node start`,
// task_concurrency --concurrency, default the config's 8), timed from the enqueue until the last one succeeded;
// each task writes three spans (task.started, the emitted span, task.finished). emit is an inline type: the engine
// runs up to CYCLE_TASKS (256) of them in one cycle and records them in that cycle's one transaction, spans signed
// in the crypto pool while the next cycle is built; a batch holds one slot, so the concurrency hardly matters. The
// same again with --wide concurrency (64) shows that. The daemon's own CPU seconds (worker threads included) during
// each run give tasks per CPU-second, a figure that depends less on what else the machine runs. Then the daemon's
// CPU use while idle, over --idle seconds (10), from /proc/<pid>/stat. Baselines, in process, the same number of
// spans (3 per task): A, by `timeline.append` in transactions of 3 × concurrency drafts, signed on the main thread
// (as the engine wrote them before it batched); B, by one `timeline.appendAsync` call (chunks of 1000, each
// signed in the crypto pool while the next is built): the spans alone, written the fastest way the timeline
// has. The engine's figures are given as ratios of both. And the cost of the engine's idle poll (the query it runs
// every 250 ms) measured in process.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuOf, startDaemon } from './daemon-lib.mjs';
import { ROOT, fmtRate, header, initHome, ms, now, opt, progress, rate, table } from './lib.mjs';

const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
const { Home } = await dist('node/home.js');
const { TaskQueue } = await dist('engine/queue.js');
const { IDLE_AFTER_MS, IDLE_POLL_MS } = await dist('engine/constants.js');

const N = opt('n', 10_000);
const CONCURRENCY = opt('concurrency', 8);
const WIDE = opt('wide', 64);
const IDLE_S = opt('idle', 10);
const sleep = (t) => new Promise((r) => setTimeout(r, t));

header('tasks');

async function throughput(concurrency) {
  const dir = initHome({ handle: 'bench', tenant: 'bench' });
  const daemon = await startDaemon(dir, { label: 'tasks', env: { LOGLINE_TASK_CONCURRENCY: String(concurrency) } });
  const home = new Home({ home: dir });
  const queue = new TaskQueue(home.db, home.config);
  // polled cheaply (the daemon shares the two cores): the last task's status, then the full count once
  const statusOf = home.db.prepare('SELECT status FROM tasks WHERE id = ?').pluck();
  const count = home.db.prepare(`SELECT count(*) FROM tasks WHERE tenant = 'bench' AND status = 'succeeded'`).pluck();
  const tasks = Array.from({ length: N }, (_, i) => ({ tenant: 'bench', type: 'emit', payload: { title: `bench task ${i}`, data: { n: i } } }));
  progress(`${N} emit tasks through the daemon (concurrency ${concurrency})`);
  const c0 = cpuOf(daemon.pid);
  const t0 = now();
  const ids = queue.enqueueMany(tasks);
  const enqueueMs = ms(t0);
  while (statusOf.get(ids[ids.length - 1]) !== 'succeeded' || count.get() < N) await sleep(20);
  const totalMs = ms(t0);
  const cpuS = cpuOf(daemon.pid) - c0;
  const spans = home.db.prepare(`SELECT count(*) FROM spans WHERE tenant = 'bench'`).pluck().get();
  await home.close();
  return { daemon, totalMs, enqueueMs, spans, cpuS, concurrency };
}

async function idle(daemon) {
  progress(`idle daemon CPU over ${IDLE_S} s`);
  await sleep(IDLE_AFTER_MS + 1000); // past the engine's switch to its idle poll; the last flush and GC settled
  const c0 = cpuOf(daemon.pid);
  const t0 = now();
  await sleep(IDLE_S * 1000);
  return ((cpuOf(daemon.pid) - c0) / (ms(t0) / 1000)) * 100;
}

async function baseline() {
  const dir = initHome({ handle: 'base', tenant: 'base' });
  const home = new Home({ home: dir });
  const poll = home.db.prepare(`SELECT (SELECT data_version FROM pragma_data_version) || '.' || total_changes()`).pluck();
  const pollsPerSec = rate(() => poll.get(), { minMs: 500 });
  const signer = home.signer();
  const batch = 3 * CONCURRENCY;
  const drafts = (tenant) => Array.from({ length: 3 * N }, (_, i) => ({ tenant, title: `span ${i}`, kind: 'system', data: { task: i, n: i } }));
  progress(`baseline A: ${3 * N} spans by timeline.append, ${batch} per transaction`);
  const a = drafts('base');
  let t0 = now();
  for (let i = 0; i < a.length; i += batch) home.timeline.append(a.slice(i, i + batch), signer);
  const appendMs = ms(t0);
  progress(`baseline B: ${3 * N} spans by one timeline.appendAsync call`);
  const b = drafts('base');
  await home.timeline.appendAsync(b.slice(0, 100), signer); // the crypto pool's workers started
  t0 = now();
  await home.timeline.appendAsync(b, signer);
  const asyncMs = ms(t0);
  await home.close();
  return { appendMs, asyncMs, pollPct: ((1000 / IDLE_POLL_MS) / pollsPerSec) * 100 };
}

const run = await throughput(CONCURRENCY);
const cpu = await idle(run.daemon);
await run.daemon.stop();
const wide = WIDE > 0 ? await throughput(WIDE) : null;
await wide?.daemon.stop();
const base = await baseline();
const tps = N / (run.totalMs / 1000);
const spansA = (3 * N) / (base.appendMs / 1000);
const spansB = (3 * N) / (base.asyncMs / 1000);
/** Tasks per second as a ratio of the goal and of the baselines' span rates (3 spans a task). */
const ratio = (perSec) => `${(perSec / 5000).toFixed(2)}× goal; ${((3 * perSec) / spansA).toFixed(2)}× A, ${((3 * perSec) / spansB).toFixed(2)}× B`;
const wideTps = wide ? N / (wide.totalMs / 1000) : 0;
table('task engine', [
  { what: `${N} emit tasks, enqueue → all succeeded (concurrency ${CONCURRENCY})`, figure: fmtRate(tps), goal: '≥ 5,000/s', ratio: ratio(tps), ok: tps >= 5000 },
  { what: `  per second of the daemon's CPU (${run.cpuS.toFixed(1)} s used)`, figure: fmtRate(N / run.cpuS) },
  ...(wide ? [
    { what: `${N} emit tasks, concurrency ${wide.concurrency}`, figure: fmtRate(wideTps), goal: '≥ 5,000/s', ratio: ratio(wideTps), ok: wideTps >= 5000 },
    { what: `  per second of the daemon's CPU (${wide.cpuS.toFixed(1)} s used)`, figure: fmtRate(N / wide.cpuS) },
  ] : []),
  { what: `  enqueue of ${N} tasks (one transaction)`, figure: fmtRate(N / (run.enqueueMs / 1000)) },
  { what: `  spans written by the runs (3 per task)`, figure: String(run.spans - 1) },
  { what: `baseline A: ${3 * N} spans by timeline.append, ${3 * CONCURRENCY} per transaction`, figure: fmtRate(spansA), ratio: `as tasks: ${fmtRate(spansA / 3)}` },
  { what: `baseline B: ${3 * N} spans by one timeline.appendAsync call`, figure: fmtRate(spansB), ratio: `as tasks: ${fmtRate(spansB / 3)}` },
  { what: `idle daemon CPU over ${IDLE_S} s`, figure: `${cpu.toFixed(2)} %`, goal: '≤ 1 %', ratio: `${(cpu / 1).toFixed(2)}× goal`, ok: cpu <= 1 },
  { what: `  of which the engine's idle poll query (${1000 / IDLE_POLL_MS}/s, timed in process)`, figure: `${base.pollPct.toFixed(3)} %` },
]);

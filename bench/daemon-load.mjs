// The target load of one node: 10,000 open event-stream subscribers and 100 concurrent writers on one daemon
// (`logline node start` in a temp home). Goals: no errors, append p99 ≤ 50 ms, and every subscriber receives
// every span (delivery completeness); the daemon's RSS is reported.
//   - Subscribers: plain node:http GET /api/v1/events?tenant=bench over the unix socket, one socket each
//     (agent: false), spread over --procs child processes (bench/daemon-subscribers.mjs). Nothing is raised
//     system-wide: `ulimit -n` is printed and the subscriber count is capped to fit it.
//   - Writers: --writers clients (`connect()`, each its own undici pool) appending one span per request,
//     sequentially, for --seconds. Baseline: the same writers for --base-seconds before any subscriber opens.
//   - Completeness: each subscriber counts the spans it got and sums their numbers; after the writers stop, the
//     count and sum of the acknowledged spans must match for every subscriber (duplicates or gaps would not).
//   - Latency append → event at every --sample-every-th subscriber (process.hrtime is system-wide monotonic).
//   - --rate R: each writer appends at most R spans a second (a person's pace rather than a loop's; 0, the
//     default, is as fast as the daemon answers). The fan-out the subscribers must read is writers × R × subs
//     events a second: flat out, that is beyond what the subscriber processes of a 2-core machine can read.
//   - --tenants K (default 1): subscriber i follows tenant i % K and writer w appends to tenant w % K, so a span
//     fans out to SUBS/K streams instead of all of them (the goal's setting is K = 1: every subscriber, every span).
//   node bench/daemon-load.mjs [--subs 10000] [--writers 100] [--seconds 10] [--base-seconds 5] [--procs 4]
//                              [--rate 0] [--tenants 1] [--open-concurrency 50] [--sample-every 100] [--drain-timeout 120] [--prof]
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../dist/index.js';
import { ROOT, cli, fmtMs, fmtRate, fmtX, header, initHome, ms, now, opt, progress, quantile, table } from './lib.mjs';
import { PROFILE, cpuOf, fdsOf, fileLimits, fmtMB, fmtMem, httpGet, memOf, metric, startDaemon, summariseProfile } from './daemon-lib.mjs';

let SUBS = opt('subs', 10_000);
const WRITERS = opt('writers', 100);
const SECONDS = opt('seconds', 10);
const BASE_SECONDS = opt('base-seconds', 5);
const PROCS = Math.max(1, opt('procs', 4));
const OPEN_CONCURRENCY = opt('open-concurrency', 50);
const SAMPLE_EVERY = opt('sample-every', 100);
const DRAIN_TIMEOUT = opt('drain-timeout', 120);
const TENANTS = Math.max(1, opt('tenants', 1));
const RATE = opt('rate', 0);
const GOAL_P99 = 50;
const tenants = TENANTS === 1 ? ['bench'] : Array.from({ length: TENANTS }, (_, t) => (t === 0 ? 'bench' : `load-${t}`));

header('daemon-load');
const limits = fileLimits();
const requested = SUBS;
// the daemon holds one descriptor per subscriber and writer (plus ~50 of its own); each child holds its share
const fit = Math.min(limits.soft - WRITERS - 200, (limits.soft - 100) * PROCS);
if (SUBS > fit) SUBS = Math.max(0, fit);
console.log(`  ${limits.text}; ${SUBS.toLocaleString('en-US')} subscribers over ${PROCS} processes${SUBS < requested ? ` (capped from ${requested} to fit the limit; nothing raised)` : ''}, ${WRITERS} writers`);

const homeDir = initHome({ prefix: 'logline-bench-load-' });
for (const t of tenants.slice(1)) cli(homeDir, ['tenant', 'create', t]);
const daemon = await startDaemon(homeDir, { label: 'daemon-load' });
progress(`daemon pid ${daemon.pid}${daemon.profDir ? `, profiling into ${daemon.profDir}` : ''}`);
const children = [];
process.on('exit', () => { for (const c of children) { try { c.child.kill('SIGKILL'); } catch { /* gone */ } } });
let profile = null;
const mem = {};
let peakRss = 0;
const sampler = setInterval(() => { try { peakRss = Math.max(peakRss, memOf(daemon.pid).rss); } catch { /* gone */ } }, 250);

let nextN = 0;
async function runWriters(clients, seconds) {
  const lat = [];
  const errors = {};
  let count = 0;
  let sum = 0;
  const perTenant = Object.fromEntries(tenants.map((t) => [t, { count: 0, sum: 0 }]));
  const t0 = now();
  const deadline = t0 + BigInt(Math.round(seconds * 1e9));
  const cpu0 = cpuOf(daemon.pid);
  await Promise.all(clients.map(async (c, w) => {
    const tenant = tenants[w % tenants.length];
    // paced writers start spread over their first period, so that they do not all send at once
    let slot = t0 + (RATE > 0 ? BigInt(Math.round((w / clients.length) * 1e9 / RATE)) : 0n);
    while (now() < deadline) {
      if (RATE > 0) {
        const wait = Number(slot - now()) / 1e6;
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        slot += BigInt(Math.round(1e9 / RATE));
        if (now() >= deadline) break;
      }
      const n = nextN++;
      const sent = now();
      try {
        await c.append({ drafts: [{ tenant, title: `load ${n} ${sent}`, tags: ['load'] }] });
        lat.push(ms(sent));
        count++;
        sum += n;
        perTenant[tenant].count++;
        perTenant[tenant].sum += n;
      } catch (e) {
        const k = `${e.code ?? e.message}${e.details?.cause ? ` (${e.details.cause})` : ''} after ~${Math.round(ms(sent) / 1000)} s`;
        errors[k] = (errors[k] ?? 0) + 1;
      }
    }
  }));
  const secs = ms(t0) / 1000;
  return { lat, errors, count, sum, perTenant, secs, rate: count / secs, cpu: (cpuOf(daemon.pid) - cpu0) / secs };
}
const errCount = (errors) => Object.values(errors).reduce((a, b) => a + b, 0);
const errText = (errors) => (errCount(errors) === 0 ? 'none' : Object.entries(errors).map(([k, v]) => `${k} ×${v}`).join(', '));

try {
  mem.idle = memOf(daemon.pid);
  const writers = await Promise.all(Array.from({ length: WRITERS }, () => connect({ home: homeDir })));

  // --- baseline: the writers alone ---------------------------------------------------------------------------
  progress(`baseline: ${WRITERS} writers for ${BASE_SECONDS} s, no subscribers`);
  await runWriters(writers, Math.min(1, BASE_SECONDS)); // warm-up
  const base = await runWriters(writers, BASE_SECONDS);
  mem.afterBase = memOf(daemon.pid);

  // --- subscribers ------------------------------------------------------------------------------------------
  progress(`opening ${SUBS} subscribers from ${PROCS} processes (${OPEN_CONCURRENCY} connecting at a time in each)`);
  const per = Math.ceil(SUBS / PROCS);
  const t0open = now();
  const opened = await Promise.all(Array.from({ length: PROCS }, (_, p) => {
    const count = Math.max(0, Math.min(per, SUBS - p * per));
    const child = fork(join(ROOT, 'bench', 'daemon-subscribers.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const c = { child, messages: [], waiters: [] };
    child.on('message', (m) => { c.messages.push(m); for (const w of c.waiters.splice(0)) w(); });
    children.push(c);
    child.send({ cmd: 'open', socket: daemon.socket, tenants, count, first: p * per, concurrency: OPEN_CONCURRENCY, sampleEvery: SAMPLE_EVERY });
    return waitFor(c, (m) => m.type === 'opened');
  }));
  const openSecs = ms(t0open) / 1000;
  const openedOk = opened.reduce((n, o) => n + o.opened, 0);
  const openErrors = {};
  for (const o of opened) for (const [k, v] of Object.entries(o.errors)) openErrors[k] = (openErrors[k] ?? 0) + v;
  await new Promise((r) => setTimeout(r, 1000));
  mem.subsOpen = memOf(daemon.pid);
  const gauge = metric((await httpGet(daemon.socket, '/metrics')).body, 'logline_event_subscribers');
  progress(`${openedOk} subscribers open in ${openSecs.toFixed(1)} s (daemon gauge ${gauge}, ${fdsOf(daemon.pid)} fds); ${fmtMem(mem.subsOpen)}`);

  // --- the load ---------------------------------------------------------------------------------------------
  progress(`load: ${WRITERS} writers for ${SECONDS} s with ${openedOk} subscribers`);
  peakRss = 0;
  const cpuLoad0 = cpuOf(daemon.pid);
  const cpuSubs0 = children.reduce((n, c) => n + cpuOf(c.child.pid), 0);
  const cpuSelf0 = process.cpuUsage();
  const tLoad0 = now();
  const load = await runWriters(writers, SECONDS);
  const tAcked = now();
  mem.afterWriters = memOf(daemon.pid);
  progress(`writers done: ${load.count} spans acknowledged (${fmtRate(load.rate)}), errors ${errText(load.errors)}; waiting for delivery`);

  // --- delivery -------------------------------------------------------------------------------------------
  for (const c of children) c.child.send({ cmd: 'expect', perTenant: load.perTenant });
  const timer = setTimeout(() => { for (const c of children) if (c.child.connected) c.child.send({ cmd: 'finish' }); }, DRAIN_TIMEOUT * 1000);
  const lastProgress = setInterval(() => {
    const got = children.map((c) => c.messages.filter((m) => m.type === 'progress').at(-1)).filter(Boolean);
    const complete = got.reduce((n, m) => n + m.complete, 0);
    const received = got.reduce((n, m) => n + m.received, 0);
    progress(`delivery: ${complete} subscribers complete, ${received.toLocaleString('en-US')} events received; ${fmtMem(memOf(daemon.pid))}`);
  }, 5000);
  const done = await Promise.all(children.map((c) => waitFor(c, (m) => m.type === 'done')));
  clearTimeout(timer);
  clearInterval(lastProgress);
  const drainSecs = ms(tAcked) / 1000;
  const loadSecs = ms(tLoad0) / 1000;
  const loadCpu = (cpuOf(daemon.pid) - cpuLoad0) / loadSecs;
  const subsCpu = (done.reduce((n, d) => n + d.cpu, 0) - cpuSubs0) / loadSecs; // each child's own CPU time at its end
  const selfCpu = ((u) => (u.user + u.system) / 1e6 / loadSecs)(process.cpuUsage(cpuSelf0));
  mem.afterDelivery = memOf(daemon.pid);
  const peakDuring = peakRss;
  await Promise.all(writers.map((w) => w.close()));

  const complete = done.reduce((n, d) => n + d.complete, 0);
  const received = done.reduce((n, d) => n + d.received, 0);
  const closed = done.reduce((n, d) => n + d.closed, 0);
  const minGot = Math.min(...done.map((d) => d.min));
  const maxGot = Math.max(...done.map((d) => d.max));
  const lat = done.flatMap((d) => d.lat);
  const streamErrors = {};
  for (const d of done) for (const [k, v] of Object.entries(d.errors)) streamErrors[k] = (streamErrors[k] ?? 0) + v;
  // what every subscriber should have got: the acknowledged spans of its tenant
  const expectedOf = (i) => load.perTenant[tenants[i % tenants.length]].count;
  let expected = 0;
  for (let i = 0; i < SUBS; i++) expected += expectedOf(i);
  const fanOut = expected / Math.max(1, load.count);
  const p = (xs, q) => (xs.length ? quantile(xs, q) : NaN);
  const allErrors = errCount(load.errors) + errCount(openErrors) + errCount(streamErrors) + closed;

  const over = `${TENANTS === 1 ? "all on one tenant" : `spread over ${TENANTS} tenants`}${RATE > 0 ? `, each writer at most ${RATE} spans/s` : ", writers flat out"}`;
  table(`target load: ${openedOk.toLocaleString('en-US')} event subscribers + ${WRITERS} writers for ${SECONDS} s on one daemon, ${over}`, [
    { what: 'subscribers open', figure: `${openedOk.toLocaleString('en-US')} / ${SUBS.toLocaleString('en-US')}`, goal: 'all', ok: openedOk === SUBS },
    { what: `  time to open them (${OPEN_CONCURRENCY} connecting at a time per process)`, figure: `${openSecs.toFixed(1)} s` },
    { what: 'errors (append, open, stream; streams closed by the daemon)', figure: String(allErrors), goal: '0', ok: allErrors === 0 },
    { what: 'append, 1 span per request  p50', figure: fmtMs(p(load.lat, 0.5)), ratio: `${fmtX(p(load.lat, 0.5) / p(base.lat, 0.5))} no subscribers` },
    { what: 'append, 1 span per request  p99', figure: fmtMs(p(load.lat, 0.99)), goal: `≤ ${GOAL_P99} ms`, ok: p(load.lat, 0.99) <= GOAL_P99, ratio: `${fmtX(p(load.lat, 0.99) / p(base.lat, 0.99))} no subscribers` },
    { what: 'append, 1 span per request  max', figure: fmtMs(Math.max(...load.lat)) },
    { what: 'spans acknowledged', figure: fmtRate(load.rate), ratio: `${fmtX(load.rate / base.rate)} no subscribers` },
    { what: 'subscribers that got every span exactly once', figure: `${complete.toLocaleString('en-US')} / ${openedOk.toLocaleString('en-US')}`, goal: 'all', ok: complete === openedOk && openedOk > 0 },
    { what: 'events delivered', figure: `${received.toLocaleString('en-US')} / ${expected.toLocaleString('en-US')}`, ratio: `${(100 * received / Math.max(1, expected)).toFixed(1)} %` },
    { what: `append sent → event received  p50 (${lat.length.toLocaleString('en-US')} samples)`, figure: fmtMs(p(lat, 0.5)) },
    { what: 'append sent → event received  p99', figure: fmtMs(p(lat, 0.99)) },
    { what: 'last ack → every subscriber complete (or timeout)', figure: `${drainSecs.toFixed(1)} s` },
    { what: 'daemon RSS with the subscribers open, idle', figure: fmtMB(mem.subsOpen.rss), ratio: `${fmtX(mem.subsOpen.rss / mem.afterBase.rss)} no subscribers` },
    { what: 'daemon RSS peak during load and delivery (sampled)', figure: fmtMB(peakDuring) },
    { what: 'daemon RSS after delivery', figure: fmtMB(mem.afterDelivery.rss) },
    { what: 'daemon CPU during load and delivery (100 % = one core)', figure: `${(100 * loadCpu).toFixed(0)} %`, ratio: `${(100 * base.cpu).toFixed(0)} % no subscribers` },
    { what: `  subscriber processes (${PROCS}) / this process (writers)`, figure: `${(100 * subsCpu).toFixed(0)} % / ${(100 * selfCpu).toFixed(0)} %` },
    { what: 'baseline: the writers, no subscribers  p50', figure: fmtMs(p(base.lat, 0.5)), ratio: 'baseline' },
    { what: 'baseline: the writers, no subscribers  p99', figure: fmtMs(p(base.lat, 0.99)), ratio: 'baseline' },
    { what: 'baseline: the writers, no subscribers', figure: fmtRate(base.rate), ratio: 'baseline' },
  ], [
    limits.text,
    `append errors: ${errText(load.errors)}; open errors: ${errText(openErrors)}; stream errors: ${errText(streamErrors)}; streams closed: ${closed}`,
    `spans per subscriber: min ${minGot}, max ${maxGot}, expected ${TENANTS === 1 ? load.count : `${Math.min(...tenants.map((t) => load.perTenant[t].count))}–${Math.max(...tenants.map((t) => load.perTenant[t].count))} (by tenant)`}; baseline errors: ${errText(base.errors)}`,
    `daemon: idle ${fmtMem(mem.idle)}; after the baseline ${fmtMem(mem.afterBase)}; subscribers open ${fmtMem(mem.subsOpen)}; after the writers ${fmtMem(mem.afterWriters)}; after delivery ${fmtMem(mem.afterDelivery)}`,
    `one span fans out to ${fanOut.toFixed(0)} streams: ${fmtRate(load.rate * fanOut)} events written while the writers ran`,
  ]);
} finally {
  clearInterval(sampler);
  for (const c of children) { try { c.child.kill('SIGKILL'); } catch { /* gone */ } }
  profile = await daemon.stop();
  // anything the daemon logged beyond starting and stopping (errors, dropped subscribers)
  const log = existsSync(join(homeDir, 'state', 'node.log')) ? readFileSync(join(homeDir, 'state', 'node.log'), 'utf8').split('\n') : [];
  const odd = log.filter((l) => l.trim() !== '' && !/ (listening on|ready: pid|SIGTERM: stopping|stopped)/.test(l));
  console.log(`  daemon log: ${odd.length === 0 ? 'nothing beyond start and stop' : `${odd.length} other lines, first: ${odd.slice(0, 5).join(' | ')}`}`);
}
if (PROFILE) summariseProfile(profile);

function waitFor(c, pred) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = c.messages.find(pred);
      if (m) return resolve(m);
      // its channel closes once every message it sent has been read (its exit may be seen before the last one)
      if (!c.child.connected) return reject(new Error(`subscriber process ended (exit ${c.child.exitCode ?? c.child.signalCode ?? 'pending'}) without answering`));
      c.waiters.push(check);
    };
    c.child.once('disconnect', () => { for (const w of c.waiters.splice(0)) w(); });
    check();
  });
}

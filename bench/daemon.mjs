// The node daemon's local API, measured from a client program: one daemon started with `logline node start`
// in a temp home (`logline init --handle bench --tenant bench`), reached with the typed client
// (`connect()` from dist/index.js: undici, keep-alive, over the unix socket).
//   1. batch    client.append({ drafts }) with batches of 1000, sequential and with 2 and 4 requests in flight.
//               Goal ≥ 15k spans/s. Baseline: the same batches through home.timeline.append in this process.
//   2. single   one draft per request, sequential, keep-alive: p50/p99. Goal p99 ≤ 10 ms. Baselines, interleaved
//               with it: GET /healthz on the same client (the HTTP round trip), and a one-draft
//               home.timeline.append in this process (the core's share).
//   3. cli      `logline --home H log "bench"` as a cold process through the daemon, interleaved with `node -e 0`,
//               `logline --version` and the same log with LOGLINE_DAEMON=false (in process). Goal ≤ 1.4× node.
//   4. events   one subscriber (client.subscribe({ tenant })), appends from another client: time from just before
//               the append request to the event's arrival. Goal p99 ≤ 50 ms. Baseline: the append's own round
//               trip. Also: spans written by an in-process writer (a second Home on the same store), which the
//               daemon notices by polling PRAGMA data_version.
//   node bench/daemon.mjs [--n 50000] [--batch 1000] [--singles 2000] [--warmup 200] [--runs 30] [--events 500]
//                         [--only batch,single,cli,events] [--prof]
import { spawnSync } from 'node:child_process';
import { connect } from '../dist/index.js';
import { Home } from '../dist/node/home.js';
import { BIN, draft, fmtMs, fmtRate, fmtX, header, initHome, median, ms, now, opt, progress, quantile, table } from './lib.mjs';
import { PROFILE, fmtMB, httpGet, memOf, metric, optList, startDaemon, summariseProfile } from './daemon-lib.mjs';

const N = opt('n', 50_000);
const BATCH = opt('batch', 1000);
const SINGLES = opt('singles', 2000);
const WARMUP = opt('warmup', 200);
const RUNS = opt('runs', 30);
const EVENTS = opt('events', 500);
const ONLY = optList('only') ?? ['batch', 'single', 'cli', 'events'];
const GOAL = { batch: 15_000, singleP99: 10, cliRatio: 1.4, eventP99: 50 };
const TENANT = 'bench';

header('daemon');
const homeDir = initHome({ prefix: 'logline-bench-daemon-' });
const daemon = await startDaemon(homeDir, { label: 'daemon' });
progress(`daemon pid ${daemon.pid} on ${daemon.socket}${daemon.profDir ? `, profiling into ${daemon.profDir}` : ''}`);
const memStart = memOf(daemon.pid);
let profile = null;
try {
  const client = await connect({ home: homeDir });
  // A second home in this process for the in-process baselines (its own store, not the daemon's).
  const baseHome = new Home({ home: initHome({ prefix: 'logline-bench-daemon-base-' }) });
  const baseSigner = baseHome.signer();
  let seq = 0; // draft numbers, unique across the run
  const batches = (count) => Array.from({ length: Math.ceil(count / BATCH) }, (_, b) =>
    Array.from({ length: Math.min(BATCH, count - b * BATCH) }, () => draft(seq++, TENANT)));

  // --- 1. batched appends ---------------------------------------------------------------------------------
  if (ONLY.includes('batch')) {
    const viaApi = async (list, inFlight) => {
      let next = 0;
      let stored = 0;
      const worker = async () => {
        while (next < list.length) {
          const drafts = list[next++];
          const spans = await client.append({ drafts });
          stored += spans.length;
        }
      };
      const t0 = now();
      await Promise.all(Array.from({ length: inFlight }, worker));
      const secs = ms(t0) / 1000;
      const total = list.reduce((n, b) => n + b.length, 0);
      if (stored !== total) throw new Error(`stored ${stored} of ${total}`);
      return total / secs;
    };
    await viaApi(batches(2 * BATCH), 1); // warm-up, both sides
    for (const drafts of batches(2 * BATCH)) await baseHome.timeline.append(drafts, baseSigner);
    progress(`batched appends: in process, then over the socket with 1, 2, 4 in flight, ${N} spans each`);
    const inProcess = await (async () => {
      const list = batches(N);
      const t0 = now();
      for (const drafts of list) await baseHome.timeline.append(drafts, baseSigner);
      return N / (ms(t0) / 1000);
    })();
    const rows = [];
    const rates = {};
    for (const inFlight of [1, 2, 4]) {
      const m0 = memOf(daemon.pid);
      const r = await viaApi(batches(N), inFlight);
      rates[inFlight] = r;
      rows.push({
        what: `client.append, batches of ${BATCH}, ${inFlight === 1 ? 'sequential' : `${inFlight} in flight`}`, figure: fmtRate(r),
        goal: `≥ ${fmtRate(GOAL.batch)}`, ok: r >= GOAL.batch, ratio: `${fmtX(r / inProcess)} in-process`,
      });
      progress(`${inFlight} in flight: ${fmtRate(r)} (daemon RSS ${fmtMB(m0.rss)} → ${fmtMB(memOf(daemon.pid).rss)})`);
    }
    rows.push({ what: 'baseline: home.timeline.append in process, same batches', figure: fmtRate(inProcess), ratio: 'baseline' });
    table(`batched appends over the socket, ${N.toLocaleString('en-US')} spans per row`, rows, [
      `per span: in process ${(1e6 / inProcess).toFixed(1)} µs; over the socket sequential ${(1e6 / rates[1]).toFixed(1)} µs (+${(1e6 / rates[1] - 1e6 / inProcess).toFixed(1)} µs of HTTP, JSON both ways and client work)`,
    ]);
  }

  // --- 2. single appends, keep-alive ------------------------------------------------------------------------
  if (ONLY.includes('single')) {
    progress(`single appends: ${WARMUP} warm-up, then ${SINGLES}, interleaved with GET /healthz and an in-process append`);
    const one = () => [draft(seq++, TENANT)];
    for (let i = 0; i < WARMUP; i++) {
      await client.append({ drafts: one() });
      await client.health();
      await baseHome.timeline.append(one(), baseSigner);
    }
    const api = [];
    const health = [];
    const local = [];
    for (let i = 0; i < SINGLES; i++) {
      const d = one();
      let t0 = now();
      const [span] = await client.append({ drafts: d });
      api.push(ms(t0));
      if (span.title !== d[0].title) throw new Error('append answered another span');
      t0 = now();
      await client.health();
      health.push(ms(t0));
      const d2 = one();
      t0 = now();
      await baseHome.timeline.append(d2, baseSigner);
      local.push(ms(t0));
    }
    const p = (xs, q) => quantile(xs, q);
    table(`single appends (one draft per request), keep-alive, ${SINGLES} sequential requests after ${WARMUP} warm-up`, [
      { what: 'client.append, 1 draft  p50', figure: fmtMs(p(api, 0.5)), ratio: `${fmtX(p(api, 0.5) / p(health, 0.5))} healthz` },
      { what: 'client.append, 1 draft  p99', figure: fmtMs(p(api, 0.99)), goal: `≤ ${GOAL.singleP99} ms`, ok: p(api, 0.99) <= GOAL.singleP99, ratio: `${fmtX(p(api, 0.99) / p(health, 0.99))} healthz` },
      { what: 'client.append, 1 draft  max', figure: fmtMs(Math.max(...api)) },
      { what: 'baseline: GET /healthz, same client  p50', figure: fmtMs(p(health, 0.5)), ratio: 'baseline' },
      { what: 'baseline: GET /healthz, same client  p99', figure: fmtMs(p(health, 0.99)), ratio: 'baseline' },
      { what: 'baseline: home.timeline.append in process, 1 draft  p50', figure: fmtMs(p(local, 0.5)), ratio: `${fmtX(p(local, 0.5) / p(health, 0.5))} healthz` },
      { what: 'baseline: home.timeline.append in process, 1 draft  p99', figure: fmtMs(p(local, 0.99)), ratio: `${fmtX(p(local, 0.99) / p(health, 0.99))} healthz` },
    ], [
      `append p50 ≈ healthz p50 + in-process append p50 + ${fmtMs(p(api, 0.5) - p(health, 0.5) - p(local, 0.5))} (JSON of the request and the signed span, routing, metrics)`,
    ]);
  }

  // --- 3. `logline log` as a cold process ------------------------------------------------------------------
  if (ONLY.includes('cli')) {
    const cases = [
      { what: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
      { what: 'logline --version', cmd: BIN, args: ['--version'] },
      { what: 'logline log "bench" (through the daemon)', cmd: BIN, args: ['--home', homeDir, 'log', 'bench'], goal: true },
      { what: 'logline log "bench" (LOGLINE_DAEMON=false)', cmd: BIN, args: ['--home', homeDir, 'log', 'bench'], env: { LOGLINE_DAEMON: 'false' } },
    ];
    const once = (c) => {
      const t0 = now();
      const r = spawnSync(c.cmd, c.args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...c.env } });
      const t = ms(t0);
      if (r.status !== 0) throw new Error(`${c.what} exited ${r.status}: ${r.stderr}`);
      return t;
    };
    const appended = async () => metric((await httpGet(daemon.socket, '/metrics')).body, `logline_spans_appended_total{tenant="${TENANT}"}`);
    const before = await appended();
    progress(`cold processes: ${RUNS} interleaved runs of ${cases.length} commands after 3 warm-up rounds`);
    for (let i = 0; i < 3; i++) for (const c of cases) once(c);
    const times = cases.map(() => []);
    for (let i = 0; i < RUNS; i++) {
      for (let k = 0; k < cases.length; k++) {
        const j = (i + k) % cases.length;
        times[j].push(once(cases[j]));
      }
    }
    const viaDaemon = (await appended()) - before;
    const base = { med: median(times[0]), p90: quantile(times[0], 0.9) };
    const rows = [];
    cases.forEach((c, j) => {
      const med = median(times[j]);
      rows.push({
        what: `${c.what}  median`, figure: fmtMs(med), goal: c.goal ? `≤ ${GOAL.cliRatio}× node` : undefined, ok: c.goal ? med / base.med <= GOAL.cliRatio : undefined,
        ratio: j === 0 ? 'baseline' : `${fmtX(med / base.med)} node`,
      });
      rows.push({ what: `${c.what}  p90`, figure: fmtMs(quantile(times[j], 0.9)), ratio: j === 0 ? 'baseline' : `${fmtX(quantile(times[j], 0.9) / base.p90)} node` });
    });
    const med = (j) => median(times[j]);
    table(`cold \`logline log\` with the daemon running, ${RUNS} interleaved runs each (3 warm-up)`, rows, [
      `through the daemon − node -e 0 (median): ${fmtMs(med(2) - med(0))}; of which loading the CLI (--version): ${fmtMs(med(1) - med(0))}; in process − node -e 0: ${fmtMs(med(3) - med(0))}`,
      `the daemon appended ${viaDaemon} spans for the ${RUNS + 3} through-the-daemon runs (its metrics), so those did go through it`,
    ]);
  }

  // --- 4. event stream latency ------------------------------------------------------------------------------
  if (ONLY.includes('events')) {
    const sub = await connect({ home: homeDir });
    const pub = await connect({ home: homeDir });
    const ac = new AbortController();
    const it = sub.subscribe({ tenant: TENANT }, ac.signal)[Symbol.asyncIterator]();
    const hello = await it.next();
    if (hello.value?.type !== 'hello') throw new Error(`the stream began with ${JSON.stringify(hello.value)}`);
    const waiting = new Map(); // title -> resolve(arrival time)
    let unmatched = 0;
    const reader = (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const t = now();
        if (r.value.type !== 'span') continue;
        const w = waiting.get(r.value.span.title);
        if (w) { waiting.delete(r.value.span.title); w(t); } else unmatched++;
      }
    })();
    const arrival = (title, timeoutMs = 10_000) => new Promise((resolve) => {
      const timer = setTimeout(() => { waiting.delete(title); resolve(null); }, timeoutMs);
      waiting.set(title, (t) => { clearTimeout(timer); resolve(t); });
    });
    const lat = [];
    const rtt = [];
    let lost = 0;
    const total = EVENTS + 50;
    progress(`events: 50 warm-up, then ${EVENTS} appends from another client, one at a time`);
    for (let i = 0; i < total; i++) {
      const title = `event ${i} ${seq++}`;
      const got = arrival(title);
      const t0 = now();
      const tAck = await pub.append({ drafts: [{ tenant: TENANT, title, tags: ['event'] }] }).then(() => now());
      const tEv = await got;
      if (i < 50) continue;
      if (tEv === null) { lost++; continue; }
      lat.push(ms(t0, tEv));
      rtt.push(ms(t0, tAck));
    }
    // spans of another writer on the same store (in-process, as `LOGLINE_DAEMON=false logline log` does)
    const other = new Home({ home: homeDir });
    const otherSigner = other.signer();
    const polled = [];
    const POLLED = Math.min(100, EVENTS);
    for (let i = 0; i < POLLED; i++) {
      const title = `polled ${i} ${seq++}`;
      const got = arrival(title);
      const t0 = now();
      await other.timeline.append([{ tenant: TENANT, title }], otherSigner);
      const tEv = await got;
      if (tEv === null) lost++; else polled.push(ms(t0, tEv));
      await new Promise((r) => setTimeout(r, Math.random() * 10)); // not in step with the 25 ms poll
    }
    await other.close();
    ac.abort();
    await reader.catch(() => {});
    await sub.close();
    await pub.close();
    table(`event stream: append → event received, ${EVENTS} appends (one subscriber, appends from another connection)`, [
      { what: 'append → event  p50', figure: fmtMs(quantile(lat, 0.5)), ratio: `${fmtX(quantile(lat, 0.5) / quantile(rtt, 0.5))} append ack` },
      { what: 'append → event  p99', figure: fmtMs(quantile(lat, 0.99)), goal: `≤ ${GOAL.eventP99} ms`, ok: quantile(lat, 0.99) <= GOAL.eventP99, ratio: `${fmtX(quantile(lat, 0.99) / quantile(rtt, 0.99))} append ack` },
      { what: 'append → event  max', figure: fmtMs(Math.max(...lat)) },
      { what: 'baseline: append → its response  p50', figure: fmtMs(quantile(rtt, 0.5)), ratio: 'baseline' },
      { what: 'baseline: append → its response  p99', figure: fmtMs(quantile(rtt, 0.99)), ratio: 'baseline' },
      { what: `in-process writer on the same store → event  p50 (${POLLED} spans)`, figure: fmtMs(quantile(polled, 0.5)) },
      { what: `in-process writer on the same store → event  p99`, figure: fmtMs(quantile(polled, 0.99)) },
    ], [
      `events lost (none within 10 s): ${lost}; events not asked for: ${unmatched}`,
      'the daemon pumps its own commits at once; another writer\'s commits are noticed by polling PRAGMA data_version every 25 ms',
    ]);
  }

  await client.close();
  await baseHome.close();
  const mem = memOf(daemon.pid);
  const spans = JSON.parse(spawnSync(BIN, ['--home', homeDir, 'node', 'status', '--json'], { encoding: 'utf8' }).stdout).spans;
  console.log(`\n  daemon RSS ${fmtMB(memStart.rss)} at start, ${fmtMB(mem.rss)} at the end (peak ${fmtMB(mem.hwm)}), ${spans.toLocaleString('en-US')} spans in its store`);
} finally {
  profile = await daemon.stop();
}
if (PROFILE) summariseProfile(profile);

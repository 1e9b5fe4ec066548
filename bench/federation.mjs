// Federation between two daemons, A and B, each `logline node start --listen /ip4/127.0.0.1/tcp/0` in its own temp
// home (tenant `acme`). B reaches A through a byte-counting TCP proxy (a worker thread of this process, so that the
// benchmark's own synchronous steps never stall it): B `peer add`s A at the proxy's port, A trusts B `read` (with no
// address, so A never dials B: every byte of the session passes the proxy).
//   1. initial   A is filled with N spans (client.append, batches of 1000, 4 in flight), then B `peer add`s A; time
//                from the `peer add` process starting until B holds A's whole chain (B's store read every 100 ms).
//                Goal ≥ 10k spans/s. Baseline: `logline import` of the same spans (A's tenant exported as NDJSON)
//                into a fresh home, a cold process: the local verify+store rate.
//   2. resync    B stops, A appends 1 % more (N/100), B restarts (new port, dials A) until it holds A's chain again.
//                Bytes through the proxy, both ways, from B's restart until convergence (and 1 s later), against
//                the NDJSON bytes of the missing spans (`logline export` lines of A) + 1 KiB per author of the
//                tenant. Goal ≤ 1.5×. Span counts from `peer list` (B's `received`, A's `sent` delta).
//   3. live      B subscribed to its event stream (client.subscribe), A appends one span per request, paced 10 ms
//                apart: time from just before A's append request to B's event. Goal p99 ≤ 100 ms. Baseline, same
//                spans: A's own event stream (append → local event).
//   node bench/federation.mjs [--n 100000] [--live 300] [--pace 10] [--only initial,resync,live] [--prof]
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { connect } from '../dist/index.js';
import { resolvePaths } from '../dist/config/paths.js';
import { openDb } from '../dist/store/db.js';
import { SpansRepo } from '../dist/store/spans-repo.js';
import { tenantHeads } from '../dist/timeline/frontier.js';
import { BIN, cli, draft, fmtMs, fmtRate, fmtX, header, initHome, ms, now, opt, progress, quantile, table, tempDir } from './lib.mjs';
import { PROFILE, cpuOf, optList, startDaemon, summariseProfile } from './daemon-lib.mjs';

const N = opt('n', 100_000);
const BATCH = opt('batch', 1000);
const LIVE = opt('live', 300);
const PACE = opt('pace', 10);
const ONLY = optList('only') ?? ['initial', 'resync', 'live'];
const GOAL = { initial: 10_000, resyncRatio: 1.5, liveP99: 100 };
const T = 'acme';
const LISTEN = ['--listen', '/ip4/127.0.0.1/tcp/0'];
const WAIT_MS = Math.max(120_000, N * 2); // give up on convergence after this long
const sleep = (t) => new Promise((r) => setTimeout(r, t));
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** `bin/logline --home H ...args` asynchronously (the event loop, and the stream readers, keep running). */
function cliAsync(home, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['--home', home, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`logline ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

/**
 * A TCP proxy in a worker thread: listens on 127.0.0.1:0 and forwards each connection to 127.0.0.1:target.
 * Counters (shared memory): [0] bytes client → target (B → A), [1] bytes target → client (A → B), [2] connections.
 */
async function startProxy(targetPort) {
  const counters = new BigInt64Array(new SharedArrayBuffer(3 * 8));
  const worker = new Worker(`
    const { workerData, parentPort } = require('node:worker_threads');
    const net = require('node:net');
    const c = workerData.counters;
    const server = net.createServer((down) => {
      Atomics.add(c, 2, 1n);
      const up = net.connect(workerData.target, '127.0.0.1');
      down.on('data', (d) => { Atomics.add(c, 0, BigInt(d.length)); if (!up.write(d)) down.pause(); });
      up.on('data', (d) => { Atomics.add(c, 1, BigInt(d.length)); if (!down.write(d)) up.pause(); });
      up.on('drain', () => down.resume());
      down.on('drain', () => up.resume());
      const end = () => { down.destroy(); up.destroy(); };
      down.on('close', end); up.on('close', end); down.on('error', end); up.on('error', end);
    });
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    parentPort.on('message', (m) => { if (m === 'stop') { server.close(); process.exit(0); } });
  `, { eval: true, workerData: { counters, target: targetPort } });
  const port = await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  return {
    port,
    bytes: () => ({ up: Number(Atomics.load(counters, 0)), down: Number(Atomics.load(counters, 1)), conns: Number(Atomics.load(counters, 2)) }),
    stop: () => worker.terminate(),
  };
}

/** One node: temp home, its daemon, its client, its frontier read from the store. */
async function node(name, founder = false) {
  // the founder creates T; the other receives it (a tenant of its own is its first)
  const home = initHome({ handle: name, tenant: founder ? T : `${name}-home`, prefix: `logline-bench-fed-${name}-` });
  const did = JSON.parse(cli(home, ['id', 'show', '--json']).stdout).did;
  const n = {
    name, home, did, daemon: null, client: null, peerId: '', addr: '', port: 0, db: null,
    async start() {
      n.daemon = await startDaemon(home, { label: `federation-${name}`, args: LISTEN });
      const deadline = Date.now() + 15_000;
      for (;;) {
        const s = JSON.parse(cli(home, ['node', 'status', '--json']).stdout);
        if (s.addresses?.length) { n.peerId = s.peerId; n.addr = s.addresses[0]; break; }
        if (Date.now() > deadline) throw new Error(`${name} has no listen address`);
        await sleep(100);
      }
      n.port = Number(/\/tcp\/(\d+)\//.exec(n.addr)[1]);
      n.client = await connect({ home });
    },
    async stop() {
      const c = n.client;
      n.client = null;
      if (c) await c.close().catch(() => {});
      const d = n.daemon;
      n.daemon = null;
      return d ? d.stop() : [];
    },
    /**
     * The head (seq) of `author` in the tenant, from this node's store (a read-only connection kept open), on the
     * chain index: a lookup, where `tenantHeads` (the whole frontier) scans the tenant (~0.7–0.9 s at 100k spans)
     * and polled every 100 ms would take a core from the daemons.
     */
    headOf(author) {
      n.db ??= openDb(resolvePaths({ home }).db, { readonly: true });
      n.headStmt ??= n.db.prepare('SELECT max(seq) AS seq FROM spans WHERE author = (SELECT id FROM authors WHERE did = ?) AND tenant = ? AND seq IS NOT NULL');
      return n.headStmt.get(author, T)?.seq ?? 0;
    },
    authors() {
      n.db ??= openDb(resolvePaths({ home }).db, { readonly: true });
      return tenantHeads(new SpansRepo(n.db), T).length;
    },
    async peer(id) { return (await n.client.peers()).find((p) => p.peer === id); },
  };
  return n;
}

/** Polls `probe` every 100 ms until it returns true; the time it first did (hrtime), or throws after `limit` ms. */
async function until(what, probe, limit = WAIT_MS) {
  const deadline = Date.now() + limit;
  for (;;) {
    if (await probe()) return now();
    if (Date.now() > deadline) throw new Error(`timed out after ${limit} ms waiting for ${what}`);
    await sleep(100);
  }
}

let seq = 0;
/** N drafts through the daemon's API, batches of BATCH, 4 requests in flight. */
async function fill(client, count) {
  let done = 0;
  const worker = async () => {
    while (done < count) {
      const k = Math.min(BATCH, count - done);
      done += k;
      const drafts = Array.from({ length: k }, () => draft(seq++, T));
      await client.append({ drafts });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

header('federation');
const A = await node('alice', true);
const B = await node('bob');
let proxy = null;
const profiles = [];
try {
  await A.start();
  await B.start();
  proxy = await startProxy(A.port);
  const viaProxy = `/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${A.peerId}`;
  progress(`A ${A.peerId} pid ${A.daemon.pid} on ${A.addr}; B pid ${B.daemon.pid}; B reaches A through the proxy on port ${proxy.port}`);

  // --- fill A, export it ------------------------------------------------------------------------------------
  let t0 = now();
  await fill(A.client, N);
  const fillRate = N / (ms(t0) / 1000);
  progress(`filled A with ${N} spans in ${(ms(t0) / 1000).toFixed(1)} s (${fmtRate(fillRate)})`);
  // A lets B read; A has no address for B and never dials it
  cli(A.home, ['peer', 'trust', B.peerId, '--tenant', T, '--trust', 'read']);
  const headA = A.headOf(A.did);

  // --- 1. initial sync --------------------------------------------------------------------------------------
  if (ONLY.includes('initial') || ONLY.includes('resync') || ONLY.includes('live')) {
    const file = join(tempDir('logline-bench-fed-ndjson-'), 'a.ndjson');
    if (ONLY.includes('initial')) {
      const fd = openSync(file, 'w');
      cli(A.home, ['--quiet', 'export', '--tenant', T], { stdio: ['ignore', fd, 'pipe'] });
      closeSync(fd);
    }
    const b0 = proxy.bytes();
    const cpu0 = { a: cpuOf(A.daemon.pid), b: cpuOf(B.daemon.pid) };
    progress(`initial sync: B peer adds A (head ${headA}) through the proxy`);
    const tStart = now();
    const added = cliAsync(B.home, ['peer', 'add', viaProxy, '--tenant', T]);
    const tAdded = await added.then(() => now());
    const tDone = await until('B to hold A\'s chain', () => B.headOf(A.did) === headA);
    const secs = ms(tStart, tDone) / 1000;
    const cpu = { a: cpuOf(A.daemon.pid) - cpu0.a, b: cpuOf(B.daemon.pid) - cpu0.b };
    const b1 = proxy.bytes();
    const syncRate = headA / secs;
    progress(`B holds A's ${headA} spans after ${secs.toFixed(1)} s`);

    if (ONLY.includes('initial')) {
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
      const fresh = initHome({ handle: 'carol', tenant: 'other', prefix: 'logline-bench-fed-import-' });
      t0 = now();
      cli(fresh, ['import', file]);
      const importMs = ms(t0);
      const importRate = lines / (importMs / 1000);
      table(`initial sync of ${headA.toLocaleString('en-US')} spans A → empty B over loopback (through the proxy)`, [
        { what: 'B peer add A → B holds A\'s chain', figure: fmtRate(syncRate), goal: `≥ ${fmtRate(GOAL.initial)}`, ok: syncRate >= GOAL.initial, ratio: `${fmtX(syncRate / importRate)} import` },
        { what: 'baseline: logline import of A\'s export, fresh home (cold process)', figure: fmtRate(importRate), ratio: 'baseline' },
        { what: 'for scale: filling A, client.append ×1000, 4 in flight', figure: fmtRate(fillRate), ratio: `${fmtX(fillRate / importRate)} import` },
      ], [
        `sync ${secs.toFixed(1)} s wall (of which the \`peer add\` process ${fmtMs(ms(tStart, tAdded))}); import ${(importMs / 1000).toFixed(1)} s for ${lines} lines (${mib(statSync(file).size)})`,
        `daemon CPU during the sync: A ${cpu.a.toFixed(1)} s, B ${cpu.b.toFixed(1)} s (${((cpu.a + cpu.b) / secs * 100).toFixed(0)} % of one core over the wall time, 2 cores)`,
        `wire: B → A ${mib(b1.up - b0.up)}, A → B ${mib(b1.down - b0.down)} (${((b1.down - b0.down) / headA).toFixed(0)} B/span; NDJSON ${(statSync(file).size / lines).toFixed(0)} B/span), ${b1.conns - b0.conns} connection(s) through the proxy`,
      ]);
    }
  }

  // --- 2. re-sync after a 1 % difference ---------------------------------------------------------------------
  if (ONLY.includes('resync')) {
    const M = Math.max(1, Math.ceil(N / 100));
    const sentBefore = (await A.peer(B.peerId))?.stats.sent ?? 0;
    const headB0 = B.headOf(A.did);
    progress(`re-sync: B stops, A appends ${M}, B restarts`);
    profiles.push(...await B.stop());
    await until('A to see B gone', async () => (await A.peer(B.peerId))?.connected === false, 30_000);
    await fill(A.client, M);
    const headA2 = A.headOf(A.did);
    const missing = headA2 - headB0;
    // the missing spans as NDJSON: the tail of A's chain in `logline export` (oldest first, one author)
    const out = cli(A.home, ['--quiet', 'export', '--tenant', T, '--author', A.did]).stdout.split('\n').filter(Boolean);
    const tail = out.slice(out.length - missing);
    if (JSON.parse(tail[0]).seq !== headB0 + 1) throw new Error(`the export's tail starts at seq ${JSON.parse(tail[0]).seq}, not ${headB0 + 1}`);
    const missingBytes = tail.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0);
    const authors = A.authors();
    const budget = missingBytes + 1024 * authors;
    const sentMid = (await A.peer(B.peerId))?.stats.sent ?? 0;
    const b0 = proxy.bytes();
    t0 = now();
    await B.start();
    const tStarted = now();
    const tDone = await until('B to catch up', () => B.headOf(A.did) === headA2);
    const b1 = proxy.bytes();
    await sleep(1000);
    const b2 = proxy.bytes();
    const wire = b1.up - b0.up + b1.down - b0.down;
    const wireLate = b2.up - b0.up + b2.down - b0.down;
    const bPeer = await B.peer(A.peerId);
    const aSent = ((await A.peer(B.peerId))?.stats.sent ?? 0) - sentMid;
    table(`re-sync after a 1 % difference: ${missing.toLocaleString('en-US')} missing of ${headA2.toLocaleString('en-US')} spans, ${authors} author(s)`, [
      { what: 'bytes on the wire, B restart → B holds A\'s chain', figure: kib(wire), goal: `≤ ${GOAL.resyncRatio}× budget`, ok: wire <= GOAL.resyncRatio * budget, ratio: `${fmtX(wire / budget)} budget` },
      { what: 'bytes on the wire, until 1 s later', figure: kib(wireLate), ratio: `${fmtX(wireLate / budget)} budget` },
      { what: 'baseline: missing spans as NDJSON + 1 KiB per author', figure: kib(budget), ratio: 'baseline' },
      { what: 'missing spans as NDJSON alone', figure: kib(missingBytes), ratio: `${fmtX(missingBytes / budget)} budget` },
    ], [
      `B → A ${kib(b1.up - b0.up)}, A → B ${kib(b1.down - b0.down)} (at convergence); ${b1.conns - b0.conns} connection(s) through the proxy`,
      `spans: B received ${bPeer?.stats.received ?? '?'} (peer list), A sent ${aSent} since B stopped (${sentMid - sentBefore} while it was down); missing ${missing}`,
      `time: B's \`node start\` ${fmtMs(ms(t0, tStarted))}, then ${fmtMs(ms(tStarted, tDone))} until B held A's chain (polled every 100 ms)`,
    ]);
  }

  // --- 3. live: commit on A → event on B -------------------------------------------------------------------
  if (ONLY.includes('live')) {
    await until('A and B connected', async () => (await A.peer(B.peerId))?.connected === true && (await B.peer(A.peerId))?.connected === true, 30_000);
    const streams = [];
    const listen = async (n) => {
      const sub = await connect({ home: n.home });
      const ac = new AbortController();
      const it = sub.subscribe({ tenant: T }, ac.signal)[Symbol.asyncIterator]();
      const hello = await it.next();
      if (hello.value?.type !== 'hello') throw new Error(`${n.name}'s stream began with ${JSON.stringify(hello.value)}`);
      const arrived = new Map(); // title -> hrtime
      const reader = (async () => {
        for (;;) {
          const r = await it.next().catch(() => ({ done: true }));
          if (r.done) return;
          if (r.value.type === 'span') arrived.set(r.value.span.title, now());
        }
      })();
      const s = { arrived, close: async () => { ac.abort(); await reader; await sub.close(); } };
      streams.push(s);
      return s;
    };
    const onA = await listen(A);
    const onB = await listen(B);
    const WARM = 20;
    const sent = [];
    progress(`live: ${WARM} warm-up, then ${LIVE} single appends on A, ${PACE} ms apart`);
    for (let i = 0; i < WARM + LIVE; i++) {
      const title = `live ${i} ${seq++}`;
      const t = now();
      await A.client.append({ drafts: [{ tenant: T, title, tags: ['live'] }] });
      const ack = now();
      if (i >= WARM) sent.push({ title, t, ack });
      const wait = PACE - ms(t);
      if (wait > 0) await sleep(wait);
    }
    const last = sent[sent.length - 1].title;
    await until('the last live span on B', () => onB.arrived.has(last), 10_000).catch(() => {});
    await sleep(200);
    const lat = (s) => sent.filter((x) => s.arrived.has(x.title)).map((x) => ms(x.t, s.arrived.get(x.title)));
    const remote = lat(onB);
    const local = lat(onA);
    const ackMs = sent.map((x) => ms(x.t, x.ack));
    for (const s of streams) await s.close();
    const q = (xs, p) => (xs.length ? quantile(xs, p) : NaN);
    table(`live: append on A → event on B, ${LIVE} single appends ${PACE} ms apart (after ${WARM} warm-up)`, [
      { what: 'A append → B event  p50', figure: fmtMs(q(remote, 0.5)), ratio: `${fmtX(q(remote, 0.5) / q(local, 0.5))} local` },
      { what: 'A append → B event  p99', figure: fmtMs(q(remote, 0.99)), goal: `≤ ${GOAL.liveP99} ms`, ok: q(remote, 0.99) <= GOAL.liveP99, ratio: `${fmtX(q(remote, 0.99) / q(local, 0.99))} local` },
      { what: 'A append → B event  max', figure: fmtMs(Math.max(...remote)) },
      { what: 'baseline: A append → A\'s own event  p50', figure: fmtMs(q(local, 0.5)), ratio: 'baseline' },
      { what: 'baseline: A append → A\'s own event  p99', figure: fmtMs(q(local, 0.99)), ratio: 'baseline' },
      { what: 'A append → its response  p50 / p99', figure: `${fmtMs(q(ackMs, 0.5))} / ${fmtMs(q(ackMs, 0.99))}` },
    ], [
      `events on B: ${remote.length} of ${LIVE}; on A: ${local.length} of ${LIVE}`,
    ]);
  }
} finally {
  A.db?.close();
  B.db?.close();
  profiles.push(...await B.stop(), ...await A.stop());
  await proxy?.stop();
}
if (PROFILE) summariseProfile(profiles);

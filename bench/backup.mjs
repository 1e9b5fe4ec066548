// Online backup of a large store while appends continue: a daemon (`logline node start`) on a copy of the
// N-span store of bench/store.mjs (1M spans over 10 tenants, cached under bench/out/), one writer appending
// through the typed client (one draft per request, sequentially, `--batch` drafts per request), and
// `logline backup` run as a cold CLI process while it writes. Reports the backup's wall time and size, and the
// append latencies (p50, p99, max = the longest stall) before the backup (baseline, same run) and during it.
// A second backup with no writer gives the backup time alone. `--restore` also times `logline restore` of the
// backup into an empty home (it re-verifies every span).
//   node bench/backup.mjs [--n 1000000] [--tenants 10] [--batch 1] [--baseline-seconds 5] [--fresh] [--restore]
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { connect } from '../dist/index.js';
import { BIN, draft, flag, fmtMs, fmtRate, fmtX, header, ms, now, opt, progress, quantile, table, tempDir } from './lib.mjs';
import { startDaemon } from './daemon-lib.mjs';
import { cachedStore } from './store.mjs';

const N = opt('n', 1_000_000);
const TENANTS = opt('tenants', 10);
const BATCH = opt('batch', 1);
const BASE_S = opt('baseline-seconds', 5);
const STALL_GOAL_MS = 50;

header('backup');
const store = await cachedStore({ n: N, tenants: TENANTS, fresh: flag('fresh') });
const home = tempDir('logline-bench-backup-');
let t0 = now();
cpSync(store, home, { recursive: true });
progress(`copied the store into ${home} in ${(ms(t0) / 1000).toFixed(1)} s`);
const out = tempDir('logline-bench-backup-out-');
const daemon = await startDaemon(home, { env: { LOGLINE_LISTEN: 'off' } });

/** `logline backup FILE --json` as a cold process; resolves with its wall time and report. */
function runBackup(file) {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(process.execPath, [BIN, '--home', home, 'backup', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ wallMs: ms(started), report: JSON.parse(stdout) }) : reject(new Error(`backup exited ${code}: ${stderr}`))));
  });
}

let i = 0;
/** Appends sequentially until `until()` says stop; returns each request's latency (ms) and when it started. */
async function write(client, until) {
  const lat = [];
  const at = [];
  while (!until()) {
    const drafts = Array.from({ length: BATCH }, () => draft(N + i++, 'bench'));
    const t = now();
    await client.append({ drafts });
    lat.push(ms(t));
    at.push(t);
  }
  lat.at = at;
  return lat;
}

/**
 * The backup's phases as seen from outside, by the files it makes in the output folder: the hidden database copy
 * (online backup, then facts and sha256), then the archive's temp file (tar copy and fsync), then the archive.
 */
function watchPhases(dir, t0) {
  const seen = new Map();
  const timer = setInterval(() => {
    for (const f of readdirSync(dir)) {
      const phase = f.endsWith('.tmp') ? 'archive' : f.startsWith('.') ? 'snapshot' : 'done';
      if (!seen.has(phase)) seen.set(phase, ms(t0));
    }
  }, 10);
  return { stop: () => clearInterval(timer), seen };
}

const stats = (lat, seconds) => ({ n: lat.length, rate: (lat.length * BATCH) / seconds, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max: Math.max(...lat) });
let base;
let during;
let alone;
let restoreMs;
try {
  const client = await connect({ home });
  try {
    progress(`baseline: appends for ${BASE_S} s with no backup`);
    await write(client, (() => { const end = Date.now() + 1000; return () => Date.now() > end; })()); // warm up
    let t = now();
    base = stats(await write(client, (() => { const end = Date.now() + BASE_S * 1000; return () => Date.now() > end; })()), ms(t) / 1000);
    progress('backup while the writer appends');
    let done = false;
    t = now();
    const phases = watchPhases(out, t);
    // this process's own event-loop lag: when it stalls as long as the appends do, the cause is CPU, not the daemon
    let lagMax = 0;
    let tick = now();
    const lagTimer = setInterval(() => { lagMax = Math.max(lagMax, ms(tick) - 10); tick = now(); }, 10);
    const backup = runBackup(join(out, 'during.tar')).finally(() => { done = true; });
    const lat = await write(client, () => done);
    const b = await backup;
    phases.stop();
    clearInterval(lagTimer);
    const stalls = lat.map((l, k) => ({ l, when: ms(t, lat.at[k]) })).filter((x) => x.l > STALL_GOAL_MS);
    during = { ...stats(lat, ms(t) / 1000), backup: b, phases: [...phases.seen], stalls, lagMax };
  } finally {
    await client.close();
  }
  progress('backup with no writer');
  alone = await runBackup(join(out, 'alone.tar'));
  if (flag('restore')) {
    progress('restore into an empty home (verifies every span)');
    const target = tempDir('logline-bench-restore-');
    t0 = now();
    const r = spawn(process.execPath, [BIN, '--home', target, 'restore', join(out, 'during.tar')], { stdio: 'ignore' });
    await new Promise((res, rej) => r.on('close', (code) => (code === 0 ? res() : rej(new Error(`restore exited ${code}`)))));
    restoreMs = ms(t0);
  }
} finally {
  await daemon.stop();
}

const m = during.backup.report.manifest;
const size = statSync(join(out, 'during.tar')).size;
table(`backup of ${m.spans.toLocaleString('en-US')} spans (${(size / 1e6).toFixed(0)} MB) while appends continue`, [
  { what: 'backup wall time, writer appending (cold `logline backup` process)', figure: fmtMs(during.backup.wallMs), ratio: fmtX(during.backup.wallMs / alone.wallMs) },
  { what: 'backup wall time, no writer (baseline)', figure: fmtMs(alone.wallMs) },
  { what: `appends during the backup (${BATCH} draft${BATCH === 1 ? '' : 's'} a request)`, figure: fmtRate(during.rate), ratio: fmtX(during.rate / base.rate) },
  { what: 'appends before it (baseline)', figure: fmtRate(base.rate) },
  { what: 'append p50 during / before', figure: `${fmtMs(during.p50)} / ${fmtMs(base.p50)}` },
  { what: 'append p99 during / before', figure: `${fmtMs(during.p99)} / ${fmtMs(base.p99)}` },
  { what: 'longest append stall during the backup', figure: fmtMs(during.max), goal: `≤ ${STALL_GOAL_MS} ms`, ok: during.max <= STALL_GOAL_MS, ratio: `before: ${fmtMs(base.max)}` },
  ...(restoreMs === undefined ? [] : [{ what: '`logline restore` of it into an empty home (verifies every span)', figure: fmtMs(restoreMs), ratio: fmtRate(m.spans / (restoreMs / 1000)) }]),
], [
  `${during.n} appends during the backup, ${base.n} in the ${BASE_S} s baseline; the backup holds ${m.spans} spans (the writer's later ones are not in its snapshot)`,
  'the backup reads through its own connection inside one read transaction (WAL): it takes no lock the daemon waits on, and runs at nice +10; the daemon checkpoints its WAL in a worker thread, so what stalls an append is the machine (CPU and disk shared with the copy) and the daemon\'s own pauses (GC, full-text index merges), which the baseline before the backup shows too',
  `the bench process's own longest event-loop lag during the backup: ${fmtMs(during.lagMax)} (CPU contention on this machine)`,
  `phases of the backup (first seen, from its start): ${during.phases.map(([p, w]) => `${p} ${(w / 1000).toFixed(1)} s`).join(', ')}`,
  `appends over ${STALL_GOAL_MS} ms during it (${during.stalls.length}): ${during.stalls.sort((x, y) => y.l - x.l).slice(0, 12).map((x) => `${fmtMs(x.l)} at ${(x.when / 1000).toFixed(1)} s`).join(', ') || 'none'}`,
]);

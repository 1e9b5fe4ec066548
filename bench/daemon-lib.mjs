// Helpers for the daemon benchmarks: start a daemon with the CLI (`logline node start`, detached, as a user
// would), find its pid, read its memory from /proc, and stop it — always, also when the benchmark fails or is
// interrupted. Profiling: `--prof` (or BENCH_PROF=1) runs the daemon under `node --cpu-prof`, and the stop is a
// clean SIGTERM so that V8 writes the profile.
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, OUT, ROOT, cli, flag, progress } from './lib.mjs';

const running = new Map(); // pid -> home
function killAll() {
  for (const pid of running.keys()) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  running.clear();
}
// lib.mjs removes temp homes on exit (and exits on SIGINT/SIGTERM); whatever the order, no daemon outlives us
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.prependListener(sig, killAll);

export const PROFILE = flag('prof') || process.env.BENCH_PROF === '1';

/**
 * `bin/logline --home H node start [...args]` (e.g. `--listen /ip4/127.0.0.1/tcp/0`), then its pid from `node status --json`. Returns { pid, home, socket, stop }.
 * With `prof`, the daemon is started the way `node start` starts it (`node bin/logline --home H node start
 * --foreground`, detached, logging to the home's node.log) but with `--cpu-prof` into bench/out/prof/<label>-<time>/
 * (Node 20 refuses --cpu-prof in NODE_OPTIONS).
 */
export async function startDaemon(home, { prof = PROFILE, label = 'daemon', env = {}, args = [] } = {}) {
  // a p2p node as in production, on a free loopback port: two daemons (or another bench) never collide on 4141
  if (!args.includes('--listen')) args = [...args, '--listen', '/ip4/127.0.0.1/tcp/0'];
  let profDir = null;
  if (prof) {
    profDir = join(OUT, 'prof', `${label}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(profDir, { recursive: true });
    const paths = { state: join(home, 'state') };
    mkdirSync(paths.state, { recursive: true });
    const log = openSync(join(paths.state, 'node.log'), 'a');
    const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, BIN, '--home', home, 'node', 'start', '--foreground', ...args],
      { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...env } });
    closeSync(log);
    child.unref();
    running.set(child.pid, home);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the daemon exited ${child.exitCode}: ${readFileSync(join(paths.state, 'node.log'), 'utf8')}`);
      if (cli(home, ['node', 'status', '--json'], { allowFail: true }).status === 0) break;
      if (Date.now() > deadline) throw new Error('the daemon did not become ready in 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } else {
    cli(home, ['node', 'start', ...args], { env: { ...process.env, ...env } });
  }
  const status = JSON.parse(cli(home, ['node', 'status', '--json']).stdout);
  const pid = status.pid;
  running.set(pid, home);
  let stopped = false;
  return {
    pid, home, socket: status.api.socket, profDir,
    /**
     * Clean stop (`logline node stop`: SIGTERM, waits for the lock to go), then up to 10 s for the process to end
     * (V8 writes a profile at exit), then SIGKILL. Returns the daemon's profile files (main thread first, then
     * workers), if it was profiled.
     */
    async stop() {
      if (stopped) return [];
      stopped = true;
      const r = cli(home, ['node', 'stop'], { allowFail: true });
      if (r.status !== 0) progress(`node stop exited ${r.status}: ${r.stderr.trim()}`);
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      if (alive(pid)) { progress(`daemon ${pid} still runs: SIGKILL`); try { process.kill(pid, 'SIGKILL'); } catch { /* ended */ } }
      running.delete(pid);
      if (!profDir) return [];
      // one profile per thread: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, the main thread first
      const thread = (f) => Number(f.split('.')[4]);
      return (existsSync(profDir) ? readdirSync(profDir) : []).filter((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'))
        .sort((a, b) => thread(a) - thread(b)).map((f) => join(profDir, f));
    },
  };
}

/** True while the process runs (a zombie, ended but not yet reaped, counts as ended). */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch { return false; }
}

/**
 * Memory of a process in MB from /proc/<pid>/status: VmRSS, VmHWM (peak RSS), and the RSS split into anonymous
 * memory (heap, SQLite's page cache) and file pages (code, mapped files); and its thread count.
 */
export function memOf(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return {
    rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024,
    threads: Number(/^Threads:\s+(\d+)/m.exec(text)?.[1] ?? NaN),
  };
}
/** "RSS 120 MB (anon 90, file 30), peak 150 MB" */
export const fmtMem = (m) => `RSS ${m.rss.toFixed(0)} MB (anon ${m.anon.toFixed(0)}, file ${m.file.toFixed(0)}), peak ${m.hwm.toFixed(0)} MB`;
export const fmtMB = (mb) => `${mb.toFixed(0)} MB`;

/** Open file descriptors of a process. */
export function fdsOf(pid) {
  try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return NaN; }
}

/** The soft and hard limits on open files of processes started from here (`ulimit -n`, `ulimit -Hn`). */
export function fileLimits() {
  const r = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = r.stdout.trim().split('\n');
  return { soft: soft === 'unlimited' ? Infinity : Number(soft), hard: hard === 'unlimited' ? Infinity : Number(hard), text: `ulimit -n ${soft} (hard ${hard})` };
}

/** Summaries of the daemon's profiles on stdout (bench/prof-summary.mjs): the main thread, then each worker, shorter. */
export function summariseProfile(files, top = 25) {
  if (!files?.length) { progress('no daemon profile was written'); return; }
  console.log(`\n  daemon CPU profiles (main thread first): ${files.join(' ')}`);
  files.forEach((file, i) => {
    spawnSync(process.execPath, [join(ROOT, 'bench', 'prof-summary.mjs'), file, '--top', String(i === 0 ? top : 8)], { stdio: 'inherit' });
  });
}

/** A comma-separated option (`--only a,b` or BENCH_ONLY=a,b); null when absent. */
export function optList(name) {
  const argv = process.argv.slice(2);
  let v = process.env[`BENCH_${name.toUpperCase()}`];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}` && argv[i + 1] !== undefined) v = argv[i + 1];
    else if (argv[i].startsWith(`--${name}=`)) v = argv[i].slice(name.length + 3);
  }
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : null;
}

/** GET over the unix socket with node:http (no agent): { status, body }. */
export function httpGet(socketPath, path) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, agent: false, headers: { host: 'logline' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** One sample of a Prometheus text exposition: the value of `name{labels}` (exact label text), or 0. */
export function metric(text, series) {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return NaN; }
}

/** Env that preloads bench/daemon-probe.cjs into a daemon; read it with `probe(dir, pid, { gc })`. */
export function probeEnv(dir) {
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${join(ROOT, 'bench', 'daemon-probe.cjs')}`.trim(), BENCH_PROBE_DIR: dir };
}
/** Asks the daemon's probe for its memory (SIGUSR2), optionally after a full GC; MB figures, or null. */
export async function probe(dir, pid, { gc = false } = {}) {
  const file = join(dir, `${pid}.json`);
  rmSync(file, { force: true });
  if (gc) writeFileSync(join(dir, 'gc'), '');
  else rmSync(join(dir, 'gc'), { force: true });
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 5000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 20));
  }
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  const mb = (u) => u && { rss: u.rss / 2 ** 20, heapTotal: u.heapTotal / 2 ** 20, heapUsed: u.heapUsed / 2 ** 20, external: u.external / 2 ** 20, arrayBuffers: u.arrayBuffers / 2 ** 20 };
  return { before: mb(raw.before), after: mb(raw.after) };
}
/**
 * "V8 heap 24 used / 48 MB, external 3 MB, other anon 40 MB": with `m` (memOf at the same moment), the anonymous
 * RSS that is neither the main thread's V8 heap nor external memory: SQLite's page caches, malloc'd memory and
 * its fragmentation, thread stacks, the worker threads' own heaps.
 */
export const fmtProbe = (u, m) => `V8 heap ${u.heapUsed.toFixed(0)} used / ${u.heapTotal.toFixed(0)} MB, external ${u.external.toFixed(0)} MB (array buffers ${u.arrayBuffers.toFixed(0)})${m ? `, other anon ${(m.anon - u.heapTotal - u.external).toFixed(0)} MB` : ''}`;

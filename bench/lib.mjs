// Shared helpers for the benchmarks: flags, temp homes, the CLI, statistics and the result table.
// Benchmarks print figures; they never assert timings.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'bin', 'logline');
export const OUT = join(ROOT, 'bench', 'out');

if (!existsSync(join(ROOT, 'dist', 'main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

/**
 * A numeric option: `--name N` or `--name=N` on the command line, else env `BENCH_<NAME>`, else the default.
 * `--n` is each benchmark's main size (env BENCH_N).
 */
export function opt(name, fallback) {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}` && argv[i + 1] !== undefined) return Number(argv[i + 1]);
    if (argv[i].startsWith(`--${name}=`)) return Number(argv[i].slice(name.length + 3));
  }
  const env = process.env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
  return env !== undefined && env !== '' ? Number(env) : fallback;
}

export function flag(name) {
  return process.argv.slice(2).includes(`--${name}`);
}

const temps = [];
/** A fresh temp directory, removed when the process exits (also on Ctrl-C). */
export function tempDir(prefix = 'logline-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
export function cleanup() {
  while (temps.length) rmSync(temps.pop(), { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

/** Runs `bin/logline --home HOME ...args`; throws with its stderr when it fails (unless `allowFail`). */
export function cli(home, args, { allowFail = false, ...spawnOpts } = {}) {
  const r = spawnSync(BIN, ['--home', home, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, ...spawnOpts });
  if (r.error) throw r.error;
  if (r.status !== 0 && !allowFail) {
    throw new Error(`logline ${args.join(' ')} exited ${r.status}: ${r.stderr ?? ''}${r.stdout ? `\nstdout: ${r.stdout.slice(-2000)}` : ''}`);
  }
  return r;
}

/** A temp home initialised through the CLI, as a user would: `logline --home H init --handle H --tenant T`. */
export function initHome({ handle = 'bench', tenant = 'bench', prefix } = {}) {
  const home = tempDir(prefix);
  cli(home, ['init', '--handle', handle, '--tenant', tenant]);
  return home;
}

export const now = () => process.hrtime.bigint();
export const ms = (t0, t1 = now()) => Number(t1 - t0) / 1e6;

/** Nearest-rank quantile of an unsorted sample (q in [0, 1]). */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
export const median = (xs) => quantile(xs, 0.5);

/** Runs `fn` in a loop for at least `minMs` (and `minIters`), returns operations per second. */
export function rate(fn, { minMs = 1000, minIters = 1, opsPerCall = 1 } = {}) {
  const t0 = now();
  let n = 0;
  do { fn(n); n++; } while (n < minIters || ms(t0) < minMs);
  return (n * opsPerCall) / (ms(t0) / 1000);
}

export function fmtRate(perSec) {
  return `${Math.round(perSec).toLocaleString('en-US')}/s`;
}
export function fmtMs(x) {
  return `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)} ms`;
}
export function fmtX(x) {
  return `${x.toFixed(2)}×`;
}

/**
 * Prints a table. Rows: { what, figure, goal?, ratio?, ok? } — `ok` true/false adds "ok"/"MISS" after the goal.
 * Figures are strings, already formatted.
 */
export function table(title, rows, notes = []) {
  const cols = ['what', 'figure', 'goal', 'ratio'];
  const cells = rows.map((r) => [r.what, r.figure, r.goal === undefined ? '' : `${r.goal}${r.ok === undefined ? '' : r.ok ? '  ok' : '  MISS'}`, r.ratio ?? '']);
  const keep = cols.map((_, i) => i < 2 || cells.some((row) => row[i] !== ''));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => [...row[i]].length)));
  const line = (row) => row.map((c, i) => (i === 1 ? c.padStart(width[i]) : c.padEnd(width[i]))).filter((_, i) => keep[i]).join('  ').trimEnd();
  console.log(`\n## ${title}`);
  console.log(line(cols));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const row of cells) console.log(line(row));
  for (const n of notes) console.log(`  ${n}`);
}

/** Progress on stderr (so that stdout carries only the tables). */
export function progress(text) {
  process.stderr.write(`  … ${text}\n`);
}

/** Machine facts printed once per benchmark, so figures can be compared across runs. */
export function header(name) {
  console.log(`# ${name}  (node ${process.version}, ${cpus().length} cpus, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ${new Date().toISOString()})`);
}

/** Realistic drafts: a title from a small vocabulary, two or three tags, a small data object. */
const VERBS = ['deployed', 'rolled back', 'reviewed', 'merged', 'paid', 'invoiced', 'shipped', 'tested', 'restarted', 'closed'];
const THINGS = ['api', 'web frontend', 'billing worker', 'search index', 'invoice', 'receipt', 'database', 'cache', 'pipeline', 'ticket'];
/** A 32-bit integer hash (murmur3 finaliser), so that tags and words are independent of tenant and order. */
export function mix(i) {
  let x = (i + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
export function draft(i, tenant, extra = {}) {
  const h = mix(i);
  const h2 = mix(h);
  const tags = ['bench', `team-${h2 % 7}`];
  if ((h2 >>> 8) % 10 === 0) tags.push('common'); // ~10%
  if ((h2 >>> 16) % 100 === 0) tags.push('rare'); // ~1%
  return {
    tenant,
    title: `${VERBS[h % 10]} ${THINGS[(h >>> 8) % 10]} #${i}`, // each verb and each thing ~10%, a pair ~1%
    tags,
    data: { n: i, sha: h2.toString(16).padStart(8, '0'), ms: h % 5000, ok: h % 13 !== 0 },
    ...extra,
  };
}

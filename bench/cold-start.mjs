// Cold start: wall time of `bin/logline --home H log "bench"` (a fresh process each time, home already
// initialised) against `node -e 0`, interleaved in the same run. Goal: median ratio ≤ 1.6×.
//   node bench/cold-start.mjs [--runs 30] [--warmup 3]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, fmtMs, fmtX, header, initHome, median, ms, now, opt, quantile, table } from './lib.mjs';

const RUNS = opt('runs', opt('n', 30));
const STEP_RUNS = opt('step-runs', 10);
const WARMUP = opt('warmup', 3);
const GOAL = 1.6;

header('cold-start');
const home = initHome();

const cases = [
  { what: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
  { what: 'node + import better-sqlite3', cmd: process.execPath, args: ['--input-type=module', '-e', "import 'better-sqlite3'"], cwd: ROOT },
  { what: 'logline --version', cmd: BIN, args: ['--version'] },
  { what: 'logline log "bench"', cmd: BIN, args: ['--home', home, 'log', 'bench'] },
];

function once(c) {
  const t0 = now();
  const r = spawnSync(c.cmd, c.args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: c.cwd });
  const t = ms(t0);
  if (r.status !== 0) throw new Error(`${c.what} exited ${r.status}: ${r.stderr}`);
  return t;
}

for (let i = 0; i < WARMUP; i++) for (const c of cases) once(c);
const times = cases.map(() => []);
for (let i = 0; i < RUNS; i++) {
  // interleave, rotating the order so no case always runs right after another
  for (let k = 0; k < cases.length; k++) {
    const j = (i + k) % cases.length;
    times[j].push(once(cases[j]));
  }
}

const base = { med: median(times[0]), p90: quantile(times[0], 0.9) };
const rows = [];
cases.forEach((c, j) => {
  const med = median(times[j]);
  const p90 = quantile(times[j], 0.9);
  const isLog = c.what.startsWith('logline log');
  rows.push({
    what: `${c.what}  median`, figure: fmtMs(med),
    goal: isLog ? `≤ ${GOAL}× node` : undefined, ok: isLog ? med / base.med <= GOAL : undefined,
    ratio: j === 0 ? 'baseline' : `${fmtX(med / base.med)} node`,
  });
  rows.push({ what: `${c.what}  p90`, figure: fmtMs(p90), ratio: j === 0 ? 'baseline' : `${fmtX(p90 / base.p90)} node` });
});
const med = (what) => median(times[cases.findIndex((c) => c.what === what)]);
table(`cold start, ${RUNS} interleaved runs each (${WARMUP} warm-up)`, rows, [
  `logline log − node -e 0 (median): ${fmtMs(med('logline log "bench"') - base.med)}; of which loading the CLI (--version): ${fmtMs(med('logline --version') - base.med)}; loading better-sqlite3 alone: ${fmtMs(med('node + import better-sqlite3') - base.med)}`,
  `bin/logline loads ${existsSync(join(ROOT, 'dist', 'cli-bundle', 'main.cjs')) ? 'the bundle dist/cli-bundle/main.cjs' : 'the dist/ modules'}`,
]);

// --- where the time of `log` goes: the same steps in process, timed one by one (fresh process each run) ------
const stepRuns = [];
for (let i = 0; i < STEP_RUNS; i++) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'startup-steps.mjs'), home], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`startup-steps exited ${r.status}: ${r.stderr}`);
  stepRuns.push(JSON.parse(r.stdout));
}
const stepRows = [{ what: 'node bootstrap, until the first line of the script', figure: fmtMs(median(stepRuns.map((s) => s.t0))) }];
stepRuns[0].steps.forEach(([what], k) => stepRows.push({ what, figure: fmtMs(median(stepRuns.map((s) => s.steps[k][1]))) }));
stepRows.push({ what: 'total in process (exit not included)', figure: fmtMs(median(stepRuns.map((s) => s.uptime))) });
table(`where \`log\` spends its time: its steps in process through the unbundled dist/ modules, median of ${STEP_RUNS} fresh processes (bench/startup-steps.mjs)`, stepRows);

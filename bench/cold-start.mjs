// Cold start: wall time of `bin/logline --home H log "bench"` (a fresh process each time, home already
// initialised) against `node -e 0`, interleaved in the same run. Goal: median ratio ≤ 1.6×.
//   node bench/cold-start.mjs [--runs 30] [--warmup 3]
import { spawnSync } from 'node:child_process';
import { BIN, fmtMs, fmtX, header, initHome, median, ms, now, opt, quantile, table } from './lib.mjs';

const RUNS = opt('runs', opt('n', 30));
const WARMUP = opt('warmup', 3);
const GOAL = 1.6;

header('cold-start');
const home = initHome();

const cases = [
  { what: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
  { what: 'logline --version', cmd: BIN, args: ['--version'] },
  { what: 'logline log "bench"', cmd: BIN, args: ['--home', home, 'log', 'bench'] },
];

function once(c) {
  const t0 = now();
  const r = spawnSync(c.cmd, c.args, { stdio: ['ignore', 'ignore', 'pipe'] });
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
  const isLog = j === cases.length - 1;
  rows.push({
    what: `${c.what}  median`, figure: fmtMs(med),
    goal: isLog ? `≤ ${GOAL}× node` : undefined, ok: isLog ? med / base.med <= GOAL : undefined,
    ratio: j === 0 ? 'baseline' : `${fmtX(med / base.med)} node`,
  });
  rows.push({ what: `${c.what}  p90`, figure: fmtMs(p90), ratio: j === 0 ? 'baseline' : `${fmtX(p90 / base.p90)} node` });
});
table(`cold start, ${RUNS} interleaved runs each (${WARMUP} warm-up)`, rows, [
  `logline log − node -e 0 (median): ${fmtMs(median(times[2]) - base.med)}; of which loading the CLI (--version): ${fmtMs(median(times[1]) - base.med)}`,
]);

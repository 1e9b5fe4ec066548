// Soak of the simulated network (src/testing/simnet): runs seeds --first … --first + --n - 1 (default 1…2000),
// each a full run with faults and the checks after the final heal, and prints every failing seed with its first
// failures. Replay one with `SIM_SEED=<seed> npx vitest run src/federation/sync.sim.test.ts`.
//   node bench/sim-soak.mjs [--n 2000] [--first 1] [--leading-only]   (clocks skewed only forward)
import { loadavg } from 'node:os';
import { flag, opt } from './lib.mjs';
import { importTesting } from './testing-bundle.mjs';

const N = opt('n', 2000);
const FIRST = opt('first', 1);
const lagging = !flag('leading-only');
const { runScenario } = await importTesting('testing/bench/entries');

console.log(`sim-soak: seeds ${FIRST}…${FIRST + N - 1}${lagging ? '' : ', clocks only ahead'}, load ${loadavg()[0].toFixed(2)}`);
const failed = [];
let steps = 0;
let sessions = 0;
let forks = 0;
const t0 = performance.now();
for (let seed = FIRST; seed < FIRST + N; seed++) {
  const r = await runScenario(seed, { lagging });
  steps += r.counts.steps;
  sessions += r.counts.sessions;
  if (r.counts.forked) forks++;
  if (r.failures.length > 0) {
    failed.push(seed);
    console.log(`FAIL seed ${seed}:\n  ${r.failures.slice(0, 5).join('\n  ')}\n  replay: SIM_SEED=${seed}${lagging ? '' : ' SIM_LAGGING=0'} SIM_TRACE=/tmp/sim-${seed}.trace npx vitest run src/federation/sync.sim.test.ts`);
  }
  if ((seed - FIRST + 1) % 100 === 0) console.log(`  ${seed - FIRST + 1} seeds, ${failed.length} failed, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const secs = (performance.now() - t0) / 1000;
console.log(`| what | figure |\n|---|---|`);
console.log(`| seeds | ${N} (${forks} with a fork) |`);
console.log(`| failed | ${failed.length}${failed.length ? `: ${failed.join(' ')}` : ''} |`);
console.log(`| steps, sessions | ${steps}, ${sessions} |`);
console.log(`| wall time | ${secs.toFixed(1)} s (${(secs / N * 1000).toFixed(0)} ms a seed) |`);
process.exitCode = failed.length > 0 ? 1 : 0;

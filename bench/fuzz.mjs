// The span validator (verifySpan: shape, id, signature) on a million fuzz inputs (--n): mutations of valid
// signed spans and random JSON, as src/timeline/validate.fuzz.test.ts makes them. Prints the rate and fails
// (exit 1, with the seed and input index) on anything but a LoglineError or an accepted span that is no sample.
//   node bench/fuzz.mjs [--n 1000000] [--seed 1]
import { loadavg } from 'node:os';
import { opt } from './lib.mjs';
import { importTesting } from './testing-bundle.mjs';

const N = opt('n', 1_000_000);
const SEED = opt('seed', 1);
const { fuzzInput, sortedJson, sampleSpans, verifySpan, LoglineError } = await importTesting('testing/bench/entries');
const samples = sampleSpans();
const byId = new Map(samples.map((s) => [s.id, sortedJson(s)]));

console.log(`fuzz: span validator, ${N} inputs, seed ${SEED}, load ${loadavg()[0].toFixed(2)}`);
let accepted = 0;
let genMs = 0;
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const g = performance.now();
  const { value } = fuzzInput(samples, SEED, i);
  genMs += performance.now() - g;
  try {
    verifySpan(value);
  } catch (e) {
    if (e instanceof LoglineError) continue;
    console.error(`FAIL seed ${SEED} input ${i}: threw ${e}\n${JSON.stringify(value)?.slice(0, 500)}`);
    process.exit(1);
  }
  accepted++;
  if (byId.get(value.id) !== sortedJson(value)) {
    console.error(`FAIL seed ${SEED} input ${i}: accepted a span that is no sample\n${JSON.stringify(value).slice(0, 500)}`);
    process.exit(1);
  }
  if ((i + 1) % 200_000 === 0) console.log(`  ${i + 1} inputs, ${((i + 1) / ((performance.now() - t0) / 1000)).toFixed(0)}/s`);
}
const secs = (performance.now() - t0) / 1000;
const checkSecs = secs - genMs / 1000;
console.log(`| what | figure |\n|---|---|`);
console.log(`| inputs | ${N} (${accepted} accepted: unchanged samples) |`);
console.log(`| wall time | ${secs.toFixed(1)} s |`);
console.log(`| inputs/s, generation included | ${(N / secs).toFixed(0)} |`);
console.log(`| inputs/s, validator alone | ${(N / checkSecs).toFixed(0)} |`);

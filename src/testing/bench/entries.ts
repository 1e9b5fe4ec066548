/** What bench/fuzz.mjs and bench/sim-soak.mjs take from the test harness (bundled by bench/testing-bundle.mjs). */
export { runScenario } from '../simnet/scenario.js';
export { fuzzInput, sortedJson } from '../fuzz.js';
export { sampleSpans } from '../span-samples.js';
export { verifySpan } from '../../timeline/validate.js';
export { LoglineError } from '../../errors/errors.js';

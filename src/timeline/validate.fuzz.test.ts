/**
 * Fuzzing the span validator: mutations of valid signed spans (structural and textual) and random JSON. Every
 * input is either refused with a LoglineError or accepted, and an accepted one is a sample itself (a mutation
 * cannot forge a signature, so only changes that leave the signed value alone, such as key order, may pass).
 * `bench/fuzz.mjs` runs a million inputs.
 */
import { describe, expect, it } from 'vitest';
import { LoglineError } from '../errors/errors.js';
import { fuzzInput, sortedJson } from '../testing/fuzz.js';
import { sampleSpans } from '../testing/span-samples.js';
import { checkShape, verifySpan } from './validate.js';

const INPUTS = Number(process.env.FUZZ_INPUTS ?? 4000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);

describe('span validator under fuzzing', () => {
  const samples = sampleSpans();
  const byId = new Map(samples.map((s) => [s.id, sortedJson(s)]));

  it('every sample verifies', () => {
    for (const s of samples) expect(verifySpan(s).span.id).toBe(s.id);
  });

  it(`refuses with a LoglineError or accepts an unchanged span, ${INPUTS} inputs (seed ${SEED})`, () => {
    let accepted = 0;
    for (let i = 0; i < INPUTS; i++) {
      const { value } = fuzzInput(samples, SEED, i);
      const where = `seed ${SEED} input ${i}: ${JSON.stringify(value)?.slice(0, 300)}`;
      const refused = (check: () => unknown): boolean => {
        try {
          check();
          return false;
        } catch (e) {
          if (!(e instanceof LoglineError)) throw new Error(`${where}: threw ${String(e)}`);
          return true;
        }
      };
      refused(() => checkShape(value, true));
      const ok = !refused(() => verifySpan(value));
      if (ok) {
        accepted++;
        const id = (value as { id: string }).id;
        expect(byId.get(id), `${where}: accepted a span that is no sample`).toBe(sortedJson(value));
      }
    }
    // the run must reach the accepting path too, or the oracle above checks nothing
    expect(accepted).toBeGreaterThan(0);
  });
});

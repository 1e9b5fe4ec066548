/**
 * Fuzzing the rule loader: mutations of the example policies (YAML text, and their JSON values) and random
 * JSON. parseRules refuses with a LoglineError or gives rules; rules it gives compile (or are refused with a
 * LoglineError) and evaluate a span in both phases without throwing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LoglineError } from '../errors/errors.js';
import { fuzzInput, mutateText, Prng } from '../testing/fuzz.js';
import { POLICY_FILES } from '../testing/rules.js';
import { sampleSpans } from '../testing/span-samples.js';
import { compileRules } from './compile.js';
import { evaluate } from './evaluate.js';
import { parseRules } from './load.js';

const INPUTS = Number(process.env.FUZZ_INPUTS ?? 600);
const SEED = Number(process.env.FUZZ_SEED ?? 1);

async function refusedOr<T>(work: () => Promise<T>, where: string): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof LoglineError)) throw new Error(`${where}: threw ${String(e)}`);
    return undefined;
  }
}

describe('rule loader under fuzzing', () => {
  const texts = [readFileSync(POLICY_FILES.tree, 'utf8'), readFileSync(POLICY_FILES.cel, 'utf8')];
  const values = texts.map((t) => parse(t) as unknown);
  const spans = sampleSpans();

  it(`refuses with a LoglineError or gives rules that compile and evaluate, ${INPUTS} inputs (seed ${SEED})`, async () => {
    const rng = new Prng(SEED);
    let loaded = 0;
    for (let i = 0; i < INPUTS; i++) {
      const yamlText = i % 2 === 0;
      const input = yamlText ? mutateText(rng.pick(texts), rng) : JSON.stringify(fuzzInput(values, SEED, i).value) ?? '';
      const where = `seed ${SEED} input ${i} (${yamlText ? 'yaml' : 'json'}): ${input.slice(0, 300)}`;
      const rules = await refusedOr(() => parseRules(input, { file: 'fuzz' }, yamlText ? 'yaml' : 'json'), where);
      if (rules === undefined) continue;
      loaded++;
      const set = await refusedOr(() => compileRules(rules), where);
      if (set === undefined) continue;
      for (const span of spans) {
        for (const phase of ['admission', 'reaction'] as const) {
          try {
            evaluate(set, span as unknown as Parameters<typeof evaluate>[1], phase);
          } catch (e) {
            throw new Error(`${where}: evaluate (${phase}) threw ${String(e)}`);
          }
        }
      }
    }
    expect(loaded).toBeGreaterThan(0);
  });
});

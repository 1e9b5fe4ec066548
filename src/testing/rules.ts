/** Test harness only: rule sets from plain objects, as a rule file would hold them. */
import { fileURLToPath } from 'node:url';
import { compileRules, type RuleSet } from '../rules/compile.js';
import type { SpanJson } from '../rules/conditions.js';
import { evaluate, type Evaluation } from '../rules/evaluate.js';
import { parseRules } from '../rules/load.js';
import type { Phase } from '../rules/types.js';

/** Rules given as objects go through the same checks as a JSON file named `test.json`. */
export async function ruleSetOf(rules: unknown[]): Promise<RuleSet> {
  return compileRules(await parseRules(JSON.stringify(rules), { file: 'test.json' }, 'json'));
}

export async function evaluateWith(rules: unknown[], span: SpanJson, phase: Phase = 'admission'): Promise<Evaluation> {
  return evaluate(await ruleSetOf(rules), span, phase, { trace: true });
}

/** Whether one condition matches a span: a rule with that condition and a note action. */
export async function matches(condition: unknown, span: SpanJson): Promise<boolean> {
  const { outcome } = await evaluateWith([{ id: 'r', condition, actions: [{ type: 'note', message: 'hit' }] }], span);
  return outcome.applied_rules.includes('r');
}

/**
 * The example policy of issue 6, written twice (as a condition tree and in CEL, same ids and actions): payments
 * above 10000 in workflow `payments` are rejected, spans tagged `draft` simulated, titles containing "Recibo"
 * tagged `receipt` with metadata `category: sales`.
 */
export const POLICY_FILES = {
  tree: fileURLToPath(new URL('../rules/fixtures/policy-tree.yaml', import.meta.url)),
  cel: fileURLToPath(new URL('../rules/fixtures/policy-cel.yaml', import.meta.url)),
} as const;

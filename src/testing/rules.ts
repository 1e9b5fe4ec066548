/** Test harness only: rule sets from plain objects, as a rule file would hold them. */
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

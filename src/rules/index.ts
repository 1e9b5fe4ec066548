/**
 * The rule library (SPEC §6): documents, loading, compilation, evaluation and the projection of a tenant's
 * rules from its `rule.put` / `rule.disabled` spans. Nothing here imports `yaml` or CEL statically: they are
 * loaded when a file is parsed or a rule set with CEL is compiled, never on the path of `logline log`.
 *
 * Wiring, in short:
 *   const set = hasRuleSpans(repo, tenant) ? await tenantRuleSet(repo, tenant) : EMPTY_RULE_SET;
 *   const { outcome, span } = evaluate(set, draft, 'admission');   // outcome.rule_set is set.hash
 *   if (outcome.decision === 'reject') throw ruleRejected(outcome);
 */
export { compileRules, EMPTY_RULE_SET, ruleSetHash, ruleVersion, type CompiledRule, type RuleSet } from './compile.js';
export { evaluate, type Evaluation, type EvaluateOptions } from './evaluate.js';
export { RULE_ERRORS } from './errors.js';
export { parseRules, readRuleFiles } from './load.js';
export { normalizeRule } from './rule-doc.js';
export { ruleRejected } from './outcome.js';
export {
  currentRules, effectiveDocs, hasRuleSpans, ruleDisabled, ruleEvents, rulePut, tenantRuleSet, RULE_DISABLED, RULE_PUT,
  type CurrentRule, type ProjectionOptions, type RuleEvent,
} from './store.js';
export type * from './types.js';

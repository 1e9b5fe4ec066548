import { createHash } from 'node:crypto';
import { LoglineError } from '../errors/errors.js';
import { canonicalJson } from '../timeline/canonical.js';
import { phaseOf } from './action-doc.js';
import { celCompile, celCompiler, type CelCompiler } from './cel.js';
import { compileCondition, usesCel, type CelCompile, type Predicate } from './conditions.js';
import { RULE_ERRORS, ruleError } from './errors.js';
import { checkUniqueIds } from './load.js';
import type { ActionDoc, Phase, RuleDoc, RuleSource, SourcedRule } from './types.js';

/** Domain separation of rule hashes, as for span ids. */
const RULES_PREFIX = 'logline/rules/v1\n';
const RULE_PREFIX = 'logline/rule/v1\n';

/** One enabled rule, ready to run in one phase. */
export interface CompiledRule {
  id: string;
  priority: number;
  /** Content hash of the rule document: a reaction fires once per (span, rule version). */
  version: string;
  doc: RuleDoc;
  test: Predicate;
  /** The rule's actions of this phase, in document order (the others are skipped in this phase). */
  actions: readonly ActionDoc[];
}

/**
 * A tenant's rules, compiled: the enabled rules of each phase in (priority, id) order. A rule takes part in a
 * phase when it has an action of that phase; a rule with both kinds of action takes part in both.
 */
export interface RuleSet {
  /** sha256 of the canonical form of the enabled rules: kept beside each span's outcome. */
  hash: string;
  /** Every rule, enabled or not, in (priority, id) order. */
  docs: readonly RuleDoc[];
  admission: readonly CompiledRule[];
  reaction: readonly CompiledRule[];
}

export function byPriority(a: { priority: number; id: string }, b: { priority: number; id: string }): number {
  return a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Content hash of one rule document. */
export function ruleVersion(doc: RuleDoc): string {
  return createHash('sha256').update(RULE_PREFIX).update(canonicalJson(doc)).digest('hex');
}

/** Content hash of a rule set: the enabled rules, sorted by id, in canonical JSON. Order of input is irrelevant. */
export function ruleSetHash(docs: readonly RuleDoc[]): string {
  const enabled = docs.filter((d) => d.enabled).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return createHash('sha256').update(RULES_PREFIX).update(canonicalJson(enabled)).digest('hex');
}

export const EMPTY_RULE_SET: RuleSet = { hash: ruleSetHash([]), docs: [], admission: [], reaction: [] };

export interface CompileOptions {
  /** When given, a rule that does not compile is left out and reported here instead of failing the set. */
  onInvalid?: (rule: string, error: LoglineError) => void;
}

/**
 * Compiles checked rules (from `readRuleFiles`, `parseRules` or the store). Loads CEL only when a rule uses it;
 * a CEL syntax error, also in a disabled rule, is reported with the rule's file (or span) and id.
 */
export async function compileRules(rules: readonly SourcedRule[], opts: CompileOptions = {}): Promise<RuleSet> {
  checkUniqueIds(rules);
  const needsCel = rules.some(({ doc }) => doc.when !== undefined || (doc.condition !== undefined && usesCel(doc.condition)));
  const compiler = needsCel ? await celCompiler() : undefined;
  const kept: RuleDoc[] = [];
  const phases: Record<Phase, CompiledRule[]> = { admission: [], reaction: [] };
  for (const { doc, source } of [...rules].sort((a, b) => byPriority(a.doc, b.doc))) {
    let test: Predicate;
    try {
      test = compileTest(doc, source, compiler);
    } catch (e) {
      if (!opts.onInvalid || !(e instanceof LoglineError)) throw e;
      opts.onInvalid(doc.id, e);
      continue;
    }
    kept.push(doc);
    // disabled rules are compiled too, so that a CEL mistake in one is reported when it is loaded
    if (!doc.enabled) continue;
    const version = ruleVersion(doc);
    for (const phase of ['admission', 'reaction'] as const) {
      const actions = doc.actions.filter((a) => phaseOf(a.type) === phase);
      if (actions.length > 0) phases[phase].push({ id: doc.id, priority: doc.priority, version, doc, test, actions });
    }
  }
  return { hash: ruleSetHash(kept), docs: kept, ...phases };
}

function compileTest(doc: RuleDoc, source: RuleSource, compiler: CelCompiler | undefined): Predicate {
  const syntax = (path: string) => (message: string): never => {
    throw ruleError(RULE_ERRORS.CEL_SYNTAX, source, doc.id, path, `is not a valid CEL expression: ${message}`, 'the span is bound as `span`, e.g. when: span.data.amount > 10000 (CEL: cel.dev)');
  };
  if (doc.when !== undefined) return celCompile(compiler!, syntax('when'))(doc.when);
  const cel: CelCompile = compiler ? celCompile(compiler, syntax('condition')) : () => { throw new Error('CEL was not loaded'); };
  return compileCondition(doc.condition ?? { type: 'always' }, cel);
}

import { createHash } from 'node:crypto';
import { LoglineError } from '../errors/errors.js';
import { canonicalJson } from '../timeline/canonical.js';
import { phaseOf } from './action-doc.js';
import { celCompile, celCompiler, loadedCelCompiler, type CelCompiler } from './cel.js';
import { compileChain, type NextMatch, type RuleCode } from './chain.js';
import { celExpressions, conditionSource, ref, type Predicate } from './conditions.js';
import { RULE_ERRORS, ruleError } from './errors.js';
import { checkUniqueIds } from './load.js';
import { PHASES, type ActionDoc, type Phase, type RuleDoc, type RuleSource, type SourcedRule } from './types.js';

/** Domain separation of rule hashes, as for span ids. */
const RULES_PREFIX = 'logline/rules/v1\n';
const RULE_PREFIX = 'logline/rule/v1\n';

/** One enabled rule of a phase. */
export interface CompiledRule {
  id: string;
  priority: number;
  /** Content hash of the rule document: a reaction fires once per (span, rule version). */
  version: string;
  doc: RuleDoc;
  /** The rule's actions of this phase, in document order (the others are skipped in this phase). */
  actions: readonly ActionDoc[];
}

/** The rules of one phase in the order they run, and their conditions compiled together (chain.ts). */
export interface PhaseRules {
  rules: readonly CompiledRule[];
  next: NextMatch;
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
  admission: PhaseRules;
  reaction: PhaseRules;
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

const NONE: PhaseRules = { rules: [], next: () => -1 };
let emptyHash: string | undefined;
/** No rules. Its hash is computed on first read: loading this module hashes nothing (a CLI start needs no crypto). */
export const EMPTY_RULE_SET: RuleSet = {
  get hash() {
    return (emptyHash ??= ruleSetHash([]));
  },
  docs: [], admission: NONE, reaction: NONE,
};

export interface CompileOptions {
  /** When given, a rule that does not compile is left out and reported here instead of failing the set. */
  onInvalid?: (rule: string, error: LoglineError) => void;
}

/**
 * Compiles checked rules (from `readRuleFiles`, `parseRules` or the store). Loads CEL only when a rule uses it;
 * a CEL syntax error, also in a disabled rule, is reported with the rule's file (or span) and id.
 */
export async function compileRules(rules: readonly SourcedRule[], opts: CompileOptions = {}): Promise<RuleSet> {
  return compileWith(rules, needsCel(rules) ? await celCompiler() : undefined, opts);
}

/** `compileRules` without waiting: undefined when the rules need CEL and it is not loaded in this process yet. */
export function compileRulesNow(rules: readonly SourcedRule[], opts: CompileOptions = {}): RuleSet | undefined {
  const compiler = needsCel(rules) ? loadedCelCompiler() : undefined;
  if (needsCel(rules) && !compiler) return undefined;
  return compileWith(rules, compiler, opts);
}

function needsCel(rules: readonly SourcedRule[]): boolean {
  return rules.some(({ doc }) => doc.when !== undefined || (doc.condition !== undefined && celExpressions(doc.condition).length > 0));
}

function compileWith(rules: readonly SourcedRule[], compiler: CelCompiler | undefined, opts: CompileOptions): RuleSet {
  checkUniqueIds(rules);
  const kept: RuleDoc[] = [];
  const phases: Record<Phase, { rules: CompiledRule[]; codes: RuleCode[] }> = { admission: { rules: [], codes: [] }, reaction: { rules: [], codes: [] } };
  for (const { doc, source } of [...rules].sort((a, b) => byPriority(a.doc, b.doc))) {
    let code: RuleCode;
    try {
      code = ruleCode(doc, source, compiler);
    } catch (e) {
      if (!opts.onInvalid || !(e instanceof LoglineError)) throw e;
      opts.onInvalid(doc.id, e);
      continue;
    }
    kept.push(doc);
    // disabled rules are compiled too, so that a CEL mistake in one is reported when it is loaded
    if (!doc.enabled) continue;
    const version = ruleVersion(doc);
    for (const phase of PHASES) {
      const actions = doc.actions.filter((a) => phaseOf(a.type) === phase);
      if (actions.length === 0) continue;
      phases[phase].rules.push({ id: doc.id, priority: doc.priority, version, doc, actions });
      phases[phase].codes.push(code);
    }
  }
  const compiled = (phase: Phase): PhaseRules => ({ rules: phases[phase].rules, next: compileChain(phases[phase].codes) });
  return { hash: ruleSetHash(kept), docs: kept, admission: compiled('admission'), reaction: compiled('reaction') };
}

/** The rule's condition as code, its CEL compiled now (a syntax error is reported with the file and rule). */
function ruleCode(doc: RuleDoc, source: RuleSource, compiler: CelCompiler | undefined): RuleCode {
  const syntax = (path: string) => (message: string): never => {
    throw ruleError(RULE_ERRORS.CEL_SYNTAX, source, doc.id, path, `is not a valid CEL expression: ${message}`, 'the span is bound as `span`, e.g. when: span.data.amount > 10000 (CEL: cel.dev)');
  };
  if (doc.when !== undefined) {
    const predicate = celCompile(compiler!, syntax('when'))(doc.when);
    return { source: (g) => `${ref(g, predicate)}(s, ctx)`, cel: true };
  }
  const condition = doc.condition ?? { type: 'always' };
  const predicates = new Map<string, Predicate>();
  for (const expr of celExpressions(condition)) predicates.set(expr, celCompile(compiler!, syntax('condition'))(expr));
  return { source: (g) => conditionSource(condition, { ...g, cel: (expr) => predicates.get(expr)! }), cel: predicates.size > 0 };
}

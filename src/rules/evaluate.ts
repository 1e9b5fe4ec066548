import type { CompiledRule, RuleSet } from './compile.js';
import type { EvalContext, SpanJson } from './conditions.js';
import type { ActionDoc, Json, Outcome, Phase, ReactionAction, RuleStep } from './types.js';

export interface Evaluation {
  outcome: Outcome;
  /** The span as the rules changed it (tags, metadata, status `simulated`); the input itself when unchanged. */
  span: SpanJson;
}

export interface EvaluateOptions {
  /** Record what each rule did (`outcome.steps`), for `rules test`. */
  trace?: boolean;
}

/**
 * Runs a phase's rules over a span in (priority, id) order. Each rule sees the span as changed by the rules
 * before it; `reject` stops at once; `simulate` is never undone by a later `allow`. The input span is not
 * modified: the first change copies it (so a span no rule changes costs no copy).
 *
 * Admission: reject / simulate decide, add_tag and set_metadata change the span, note annotates; the span
 * then carries status `simulated` when a rule simulated it. Reaction: a matching rule's emit, task and webhook
 * actions are listed in `reactions` for the daemon to carry out; the span is never changed.
 */
export function evaluate(ruleSet: RuleSet, span: SpanJson, phase: Phase, opts: EvaluateOptions = {}): Evaluation {
  const { rules, next } = ruleSet[phase];
  const outcome: Outcome = {
    phase, decision: 'allow', applied_rules: [], added_tags: [], metadata_updates: {}, notes: [], reactions: [], errors: [], rule_set: ruleSet.hash,
  };
  const steps: RuleStep[] | undefined = opts.trace ? [] : undefined;
  if (steps) outcome.steps = steps;
  const ctx: EvalContext = { error: undefined, celSpan: undefined };
  const state: State = { span: span as Record<string, unknown>, copied: false, ctx };
  let from = 0;
  while (from < rules.length) {
    // the next rule whose condition matches (or failed), testing from `from` on against the span as it is now
    const hit = next(state.span, ctx, from);
    if (steps) for (let j = from; j < (hit < 0 ? rules.length : hit); j++) steps.push({ rule: rules[j].id, ran: true, matched: false, actions: [] });
    if (hit < 0) break;
    const rule = rules[hit];
    from = hit + 1;
    if (ctx.error !== undefined) {
      // a CEL evaluation error: the rule does not match, and the outcome says why
      outcome.errors.push({ rule: rule.id, message: ctx.error });
      outcome.notes.push(`rule ${rule.id}: condition failed: ${ctx.error}`);
      steps?.push({ rule: rule.id, ran: true, matched: false, actions: [], error: ctx.error });
      ctx.error = undefined;
      continue;
    }
    outcome.applied_rules.push(rule.id);
    const step: RuleStep | undefined = steps ? { rule: rule.id, ran: true, matched: true, actions: [] } : undefined;
    if (step) steps!.push(step);
    for (const action of rule.actions) {
      step?.actions.push(action);
      if (!apply(action, rule, outcome, state)) {
        if (steps) for (let j = from; j < rules.length; j++) steps.push({ rule: rules[j].id, ran: false, matched: false, actions: [] });
        return { outcome, span: state.span };
      }
    }
  }
  return { outcome, span: state.span };
}

interface State {
  span: Record<string, unknown>;
  copied: boolean;
  ctx: EvalContext;
}

/** Applies one action; false when it rejected the span (evaluation stops). */
function apply(action: ActionDoc, rule: CompiledRule, outcome: Outcome, state: State): boolean {
  switch (action.type) {
    case 'allow':
      // allow is the default decision: it never undoes an earlier simulate
      return true;
    case 'reject':
      outcome.decision = 'reject';
      outcome.rejected_by = { rule: rule.id, reason: action.reason };
      return false;
    case 'simulate':
      outcome.decision = 'simulate';
      if (action.note !== undefined) outcome.notes.push(action.note);
      if (state.span.status !== 'simulated') writable(state).status = 'simulated';
      return true;
    case 'add_tag': {
      const tags = state.span.tags;
      if (Array.isArray(tags) && tags.includes(action.tag)) return true;
      const next = Array.isArray(tags) ? [...(tags as string[]), action.tag] : [action.tag];
      // spans keep their tags sorted and unique (SPEC §2)
      writable(state).tags = next.sort();
      if (!outcome.added_tags.includes(action.tag)) outcome.added_tags.push(action.tag);
      return true;
    }
    case 'set_metadata': {
      const current = state.span.metadata;
      const metadata = current !== null && typeof current === 'object' && !Array.isArray(current) ? { ...(current as Record<string, unknown>) } : {};
      setKey(metadata, action.key, action.value);
      writable(state).metadata = metadata;
      setKey(outcome.metadata_updates, action.key, action.value);
      return true;
    }
    case 'note':
      outcome.notes.push(action.message);
      return true;
    case 'emit':
    case 'task':
    case 'webhook':
    case 'plugin':
      outcome.reactions.push({ rule: rule.id, version: rule.version, action: action as ReactionAction });
      return true;
  }
}

/** The span to change: a shallow copy made on the first change, so the caller's span is never modified. */
function writable(state: State): Record<string, unknown> {
  state.ctx.celSpan = undefined;
  if (!state.copied) {
    state.span = { ...state.span };
    state.copied = true;
  }
  return state.span;
}

/** `obj[key] = value` that also works for the key `__proto__` (a metadata key is user text). */
function setKey(obj: Record<string, unknown>, key: string, value: Json): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

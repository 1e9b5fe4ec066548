import type { LoglineError } from '../errors/errors.js';
import type { SpansRepo } from '../store/spans-repo.js';
import type { Draft } from '../timeline/build.js';
import { canonicalJson } from '../timeline/canonical.js';
import { byPriority, compileRules, compileRulesNow, EMPTY_RULE_SET, type RuleSet } from './compile.js';
import { normalizeRule } from './rule-doc.js';
import { isObject } from './shape.js';
import type { RuleDoc } from './types.js';

/**
 * Rules are versioned as system spans of their tenant (SPEC §5, §6), so they replicate and their history can
 * be audited: `rule.put` carries the normalized rule document, `rule.disabled` carries `{id}`. The tenant's
 * current rules are a projection of those spans, read here with SQL over the partial index of system spans.
 */
export const RULE_PUT = 'rule.put';
export const RULE_DISABLED = 'rule.disabled';

export function rulePut(tenant: string, doc: RuleDoc): Draft {
  return { tenant, title: RULE_PUT, kind: 'system', data: doc as unknown as Record<string, unknown> };
}

export function ruleDisabled(tenant: string, id: string): Draft {
  return { tenant, title: RULE_DISABLED, kind: 'system', data: { id } };
}

/** One `rule.put` or `rule.disabled` span, read back. */
export interface RuleEvent {
  event: 'put' | 'disabled';
  /** The rule id (`?` when the span carries none). */
  id: string;
  span: string;
  ts: string;
  author: string;
  status: string;
  /** The document of a valid `rule.put`. */
  doc?: RuleDoc;
  /** Why the span does not count: an invalid document, or a status other than `executed`. */
  ignored?: string;
}

export interface CurrentRule {
  doc: RuleDoc;
  /** `disabled` after a `rule.disabled` span (a later `rule.put` enables the rule again). */
  state: 'enabled' | 'disabled';
  /** The span that put this version, and when. */
  span: string;
  ts: string;
  author: string;
  disabledBy?: { span: string; ts: string; author: string };
}

export interface ProjectionOptions {
  /**
   * Whether an event counts (e.g. whether its author could change rules in the tenant at `ts`); default all.
   * Tenant roles are judged by the caller, which knows them.
   */
  accept?: (event: RuleEvent) => boolean;
  /** Told of a stored rule that does not compile; it is left out of the rule set. */
  onInvalid?: (rule: string, error: LoglineError) => void;
}

interface EventRow {
  id: Buffer;
  ts: string;
  author: string;
  title: string;
  status: string;
  body: string;
}

const EVENTS_SQL = `SELECT s.id, s.ts, a.did AS author, s.title, s.status, s.body FROM spans s JOIN authors a ON a.id = s.author
  WHERE s.kind = 'system' AND s.title IN ('${RULE_PUT}', '${RULE_DISABLED}') AND s.tenant = ?`;
// the timeline order (ts, then id): every node that holds the same spans projects the same rules
const ORDER = 'ORDER BY s.ts, s.id8, s.id';

/** The rule spans of a tenant (of one rule with `id`), oldest first. */
export function ruleEvents(repo: SpansRepo, tenant: string, id?: string): RuleEvent[] {
  const rows = (id === undefined
    ? repo.db.prepare(`${EVENTS_SQL} ${ORDER}`).all(tenant)
    : repo.db.prepare(`${EVENTS_SQL} AND json_extract(s.body, '$.data.id') = ? ${ORDER}`).all(tenant, id)) as EventRow[];
  return rows.map(eventOf);
}

function eventOf(row: EventRow): RuleEvent {
  const span = row.id.toString('hex');
  const data = (JSON.parse(row.body) as { data?: unknown }).data;
  const id = isObject(data) && typeof data.id === 'string' ? data.id : '?';
  const event: RuleEvent = { event: row.title === RULE_PUT ? 'put' : 'disabled', id, span, ts: row.ts, author: row.author, status: row.status };
  if (row.status !== 'executed') event.ignored = `the span is ${row.status}`;
  else if (id === '?') event.ignored = 'the span names no rule id';
  else if (event.event === 'put') {
    try {
      event.doc = normalizeRule(data, { span }, 0);
    } catch (e) {
      event.ignored = (e as Error).message;
    }
  }
  return event;
}

/** The tenant's rules now, enabled or not, in (priority, id) order; events that do not count are skipped. */
export function currentRules(repo: SpansRepo, tenant: string, opts: ProjectionOptions = {}): CurrentRule[] {
  const rules = new Map<string, CurrentRule>();
  for (const e of ruleEvents(repo, tenant)) {
    if (e.ignored !== undefined || (opts.accept && !opts.accept(e))) continue;
    if (e.event === 'put') rules.set(e.id, { doc: e.doc!, state: 'enabled', span: e.span, ts: e.ts, author: e.author });
    else {
      const rule = rules.get(e.id);
      if (rule) rules.set(e.id, { ...rule, state: 'disabled', disabledBy: { span: e.span, ts: e.ts, author: e.author } });
    }
  }
  return [...rules.values()].sort((a, b) => byPriority(a.doc, b.doc));
}

/** Whether a tenant has any rule span at all: when not, appends skip loading rules. */
export function hasRuleSpans(repo: SpansRepo, tenant: string): boolean {
  return repo.db.prepare(`SELECT 1 FROM spans s WHERE s.kind = 'system' AND s.title = '${RULE_PUT}' AND s.tenant = ? LIMIT 1`).get(tenant) !== undefined;
}

/** The documents that run: a rule disabled by a span runs as `enabled: false`. */
export function effectiveDocs(rules: readonly CurrentRule[]): RuleDoc[] {
  return rules.map((r) => (r.state === 'disabled' && r.doc.enabled ? { ...r.doc, enabled: false } : r.doc));
}

/** The tenant's current rules, compiled for `evaluate` (the empty set, without loading anything, when none). */
export async function tenantRuleSet(repo: SpansRepo, tenant: string, opts: ProjectionOptions = {}): Promise<RuleSet> {
  const rules = currentRules(repo, tenant, opts);
  if (rules.length === 0) return EMPTY_RULE_SET;
  // a stored rule that does not compile (a CEL mistake replicated from elsewhere) is left out, not fatal
  return compileRules(effectiveDocs(rules).map((doc, i) => ({ doc, source: { span: rules[i].span } })), { onInvalid: opts.onInvalid });
}

/** `tenantRuleSet` without waiting: undefined when the rules need CEL and it is not loaded in this process yet. */
export function tenantRuleSetNow(repo: SpansRepo, tenant: string, opts: ProjectionOptions = {}): RuleSet | undefined {
  const rules = currentRules(repo, tenant, opts);
  if (rules.length === 0) return EMPTY_RULE_SET;
  return compileRulesNow(effectiveDocs(rules).map((doc, i) => ({ doc, source: { span: rules[i].span } })), { onInvalid: opts.onInvalid });
}

/** Whether a document is the same rule as a stored one (then `rules add` does not put it again). */
export function sameDoc(a: RuleDoc, b: RuleDoc): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

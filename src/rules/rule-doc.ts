import { normalizeAction } from './action-doc.js';
import { normalizeCondition } from './condition-doc.js';
import { RULE_ERRORS } from './errors.js';
import { at, fail, isObject, onlyKeys, requireString, type Loc } from './shape.js';
import type { RuleDoc, RuleSource } from './types.js';

const { BAD_SHAPE } = RULE_ERRORS;

export const DEFAULT_PRIORITY = 100;
export const RULE_FIELDS = ['id', 'description', 'priority', 'enabled', 'labels', 'condition', 'when', 'actions'] as const;
const RULE_ID = /^[^\s\x00-\x1f]{1,128}$/;

/**
 * Checks one rule and returns it normalized: defaults filled in (priority 100, enabled, no labels, condition
 * `always` unless `when` is given), fields in a fixed order. `index` names a rule that has no usable id.
 */
export function normalizeRule(raw: unknown, source: RuleSource, index: number): RuleDoc {
  const anon: Loc = { source, rule: `#${index + 1}`, path: '' };
  if (!isObject(raw)) fail(BAD_SHAPE, anon, 'is not an object', 'a rule is {id, priority, condition or when, actions}');
  const id = requireString(raw, 'id', BAD_SHAPE, anon);
  if (!RULE_ID.test(id)) fail(BAD_SHAPE, at(anon, 'id'), `"${id}" is not a rule id`, 'an id is 1 to 128 characters without spaces');
  const loc: Loc = { source, rule: id, path: '' };
  onlyKeys(raw, RULE_FIELDS, BAD_SHAPE, loc, 'a rule');

  let description: string | undefined;
  if (raw.description !== undefined && raw.description !== null) description = requireString(raw, 'description', BAD_SHAPE, loc, { empty: true });
  let priority = DEFAULT_PRIORITY;
  if (raw.priority !== undefined) {
    const p = raw.priority;
    if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 0) fail(BAD_SHAPE, at(loc, 'priority'), 'must be an integer ≥ 0', 'lower runs first; the default is 100');
    priority = p;
  }
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') fail(BAD_SHAPE, at(loc, 'enabled'), 'must be true or false');
  const labels = raw.labels ?? [];
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) fail(BAD_SHAPE, at(loc, 'labels'), 'must be a list of strings');
  if (raw.condition !== undefined && raw.when !== undefined) fail(BAD_SHAPE, loc, 'has both a condition and a when', 'give either a condition tree or a CEL `when`, not both');
  const test: Pick<RuleDoc, 'condition' | 'when'> = raw.when !== undefined
    ? { when: requireString(raw, 'when', BAD_SHAPE, loc) }
    : { condition: raw.condition === undefined ? { type: 'always' } : normalizeCondition(raw.condition, at(loc, 'condition')) };
  const actions = raw.actions;
  if (!Array.isArray(actions) || actions.length === 0) {
    fail(BAD_SHAPE, at(loc, 'actions'), actions === undefined ? 'is missing' : 'must be a non-empty list of actions', 'e.g. actions: [{type: reject, reason: "…"}]');
  }
  return {
    id,
    ...(description === undefined ? {} : { description }),
    priority,
    enabled: raw.enabled !== false,
    labels: labels as string[],
    ...test,
    actions: actions.map((a, i) => normalizeAction(a, at(at(loc, 'actions'), i))),
  };
}

import { RULE_ERRORS } from './errors.js';
import { at, fail, requireJson, requireString, taggedObject, type Loc, type TaggedKind } from './shape.js';
import type { ConditionDoc, ConditionType } from './types.js';

const { UNKNOWN_CONDITION, BAD_CONDITION } = RULE_ERRORS;

/** The fields each condition type takes besides `type`. */
const FIELDS: Record<ConditionType, readonly string[]> = {
  always: [],
  all: ['conditions'],
  any: ['conditions'],
  not: ['condition'],
  equals: ['field', 'value'],
  not_equals: ['field', 'value'],
  exists: ['field'],
  missing: ['field'],
  contains_text: ['field', 'text'],
  contains_tag: ['tag'],
  greater_than: ['field', 'value'],
  less_than: ['field', 'value'],
  cel: ['expr'],
};

export const CONDITION_TYPES = Object.keys(FIELDS) as ConditionType[];

const KIND: TaggedKind<ConditionType> = {
  noun: 'condition', fields: FIELDS, badCode: BAD_CONDITION, unknownCode: UNKNOWN_CONDITION,
  example: '{type: equals, field: data.amount, value: 5}', known: `one of ${CONDITION_TYPES.join(', ')}`,
};

/** Checks a condition tree and returns it normalized (only its own fields, in a fixed order). */
export function normalizeCondition(input: unknown, loc: Loc): ConditionDoc {
  const { obj: raw, type: t } = taggedObject(input, loc, KIND);
  switch (t) {
    case 'always':
      return { type: t };
    case 'all':
    case 'any': {
      const list = raw.conditions;
      if (!Array.isArray(list)) fail(BAD_CONDITION, at(loc, 'conditions'), list === undefined ? 'is missing' : 'must be a list of conditions');
      return { type: t, conditions: list.map((c, i) => normalizeCondition(c, at(at(loc, 'conditions'), i))) };
    }
    case 'not':
      if (raw.condition === undefined) fail(BAD_CONDITION, at(loc, 'condition'), 'is missing');
      return { type: t, condition: normalizeCondition(raw.condition, at(loc, 'condition')) };
    case 'equals':
    case 'not_equals':
      return { type: t, field: field(raw, loc), value: requireJson(raw, 'value', BAD_CONDITION, loc) };
    case 'exists':
    case 'missing':
      return { type: t, field: field(raw, loc) };
    case 'contains_text':
      return { type: t, field: field(raw, loc), text: requireString(raw, 'text', BAD_CONDITION, loc, { empty: true }) };
    case 'contains_tag':
      return { type: t, tag: requireString(raw, 'tag', BAD_CONDITION, loc) };
    case 'greater_than':
    case 'less_than': {
      const value = raw.value;
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(BAD_CONDITION, at(loc, 'value'), value === undefined ? 'is missing' : 'must be a number', `${t} compares numbers only`);
      return { type: t, field: field(raw, loc), value };
    }
    case 'cel':
      return { type: t, expr: requireString(raw, 'expr', BAD_CONDITION, loc) };
  }
}

/** A dot path into the span (`data.amount`, `tags.0`). */
function field(raw: Record<string, unknown>, loc: Loc): string {
  const path = requireString(raw, 'field', BAD_CONDITION, loc);
  if (path.split('.').every((s) => s === '')) fail(BAD_CONDITION, at(loc, 'field'), `"${path}" names no field`, 'a dot path such as data.amount or tags.0');
  return path;
}

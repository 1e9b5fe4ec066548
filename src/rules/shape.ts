import { ruleError } from './errors.js';
import type { Json, RuleSource } from './types.js';

/** Where in a document a value sits: the source, the rule id, and the path inside the rule (`actions[2]`). */
export interface Loc {
  source: RuleSource;
  rule: string | undefined;
  path: string;
}

export function at(loc: Loc, key: string | number): Loc {
  const path = typeof key === 'number' ? `${loc.path}[${key}]` : loc.path === '' ? key : `${loc.path}.${key}`;
  return { ...loc, path };
}

export function fail(code: string, loc: Loc, message: string, hint?: string): never {
  throw ruleError(code, loc.source, loc.rule, loc.path, message, hint);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A JSON value: finite numbers, plain objects and arrays of JSON values (YAML can produce other things). */
export function isJson(value: unknown, depth = 0): value is Json {
  if (depth > 64) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
      return isObject(value) && Object.values(value).every((v) => isJson(v, depth + 1));
    default:
      return false;
  }
}

/** Refuses keys outside `allowed` (a typo in a policy should not pass silently). */
export function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], code: string, loc: Loc, what: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(code, at(loc, key), `is not a field of ${what}`, `${what} takes ${allowed.join(', ')}`);
  }
}

export function requireString(obj: Record<string, unknown>, key: string, code: string, loc: Loc, opts: { empty?: boolean; max?: number } = {}): string {
  const v = obj[key];
  if (typeof v !== 'string') fail(code, at(loc, key), v === undefined ? 'is missing' : 'must be a string');
  if (!opts.empty && v.length === 0) fail(code, at(loc, key), 'must not be empty');
  if (opts.max !== undefined && v.length > opts.max) fail(code, at(loc, key), `must be at most ${opts.max} characters`);
  return v;
}

export function optionalString(obj: Record<string, unknown>, key: string, code: string, loc: Loc): string | undefined {
  return obj[key] === undefined || obj[key] === null ? undefined : requireString(obj, key, code, loc, { empty: true });
}

export function requireJson(obj: Record<string, unknown>, key: string, code: string, loc: Loc): Json {
  if (!(key in obj)) fail(code, at(loc, key), 'is missing');
  const v = obj[key];
  if (!isJson(v)) fail(code, at(loc, key), 'must be a JSON value');
  return v;
}

/** What `taggedObject` needs to check an object tagged by `type` (a condition or an action). */
export interface TaggedKind<T extends string> {
  /** `condition` or `action`, for messages. */
  noun: string;
  fields: Record<T, readonly string[]>;
  badCode: string;
  unknownCode: string;
  example: string;
  known: string;
}

/** Checks an object tagged by a known `type` that has only that type's fields; returns it and its type. */
export function taggedObject<T extends string>(raw: unknown, loc: Loc, kind: TaggedKind<T>): { obj: Record<string, unknown>; type: T } {
  if (!isObject(raw)) fail(kind.badCode, loc, 'must be an object with a "type"', `e.g. ${kind.example}`);
  const type = raw.type;
  if (typeof type !== 'string') fail(kind.badCode, at(loc, 'type'), type === undefined ? 'is missing' : 'must be a string');
  if (!Object.hasOwn(kind.fields, type)) fail(kind.unknownCode, at(loc, 'type'), `"${type}" is not ${/^[aeiou]/.test(kind.noun) ? 'an' : 'a'} ${kind.noun} type`, kind.known);
  onlyKeys(raw, ['type', ...kind.fields[type as T]], kind.badCode, loc, `the ${type} ${kind.noun}`);
  return { obj: raw, type: type as T };
}

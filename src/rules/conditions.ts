import { FLOAT_TOLERANCE } from './equal.js';
import { readExpr, segments } from './path.js';
import type { ConditionDoc } from './types.js';

/** The span as JSON: a signed span, a draft, or a span as changed by earlier rules. */
export type SpanJson = Readonly<Record<string, unknown>>;

/** Scratch of one evaluation: a CEL condition that fails sets `error` (and does not match). */
export interface EvalContext {
  error: string | undefined;
  /** The span converted for CEL, shared by the CEL rules of one evaluation; cleared when the span changes. */
  celSpan: unknown;
}

export type Predicate = (span: SpanJson, ctx: EvalContext) => boolean;

/** Compiles a CEL expression into a predicate (see cel.ts); condition trees that use none never load CEL. */
export type CelCompile = (expr: string) => Predicate;

/**
 * Code generation of condition trees (see chain.ts, which puts a phase's rules into one function). The
 * semantics are exactly the original rules': `all` of nothing is true and `any` of nothing false; `equals`
 * needs the field present and equal (numbers within 1e-9, otherwise deep equality with types that must
 * match); `not_equals` is its negation, so it holds when the field is missing; `contains_text` needs a string;
 * `greater_than`/`less_than` need a number (no coercion); `contains_tag` reads the span's `tags`.
 *
 * Only literals made by JSON.stringify (strings, finite numbers, booleans, null) and constant indexes reach the
 * source, so rule values cannot inject code; objects, arrays and CEL predicates are passed in by reference.
 */
export interface Gen {
  /** Values the code refers to as `K[i]`. */
  consts: unknown[];
  /** A fresh local variable name. */
  temp: () => string;
  /** The compiled predicate of a CEL expression of the tree. */
  cel: CelCompile;
}

/** A JavaScript literal of a JSON scalar (JSON is a subset of JavaScript since ES2019). */
function literal(value: string | number | boolean | null): string {
  return JSON.stringify(value);
}

export function ref(g: Gen, value: unknown): string {
  g.consts.push(value);
  return `K[${g.consts.length - 1}]`;
}

/** A JavaScript expression, over the span `s` and the context `ctx`, true when the tree matches. */
export function conditionSource(doc: ConditionDoc, g: Gen): string {
  const read = (field: string) => readExpr('s', segments(field), g.temp);
  switch (doc.type) {
    case 'always':
      return 'true';
    case 'all':
      return doc.conditions.length === 0 ? 'true' : `(${doc.conditions.map((c) => conditionSource(c, g)).join(' && ')})`;
    case 'any':
      return doc.conditions.length === 0 ? 'false' : `(${doc.conditions.map((c) => conditionSource(c, g)).join(' || ')})`;
    case 'not':
      return `!${conditionSource(doc.condition, g)}`;
    case 'equals': {
      const v = g.temp();
      return `((${v} = ${read(doc.field)}) !== undefined && ${equalTest(v, doc.value, g)})`;
    }
    case 'not_equals': {
      const v = g.temp();
      return `((${v} = ${read(doc.field)}) === undefined || !${equalTest(v, doc.value, g)})`;
    }
    case 'exists':
      return `(${read(doc.field)} !== undefined)`;
    case 'missing':
      return `(${read(doc.field)} === undefined)`;
    case 'contains_text': {
      const v = g.temp();
      return `(typeof (${v} = ${read(doc.field)}) === 'string' && ${v}.includes(${literal(doc.text)}))`;
    }
    case 'contains_tag': {
      const v = g.temp();
      return `(Array.isArray(${v} = s.tags) && ${v}.includes(${literal(doc.tag)}))`;
    }
    case 'greater_than':
    case 'less_than': {
      const v = g.temp();
      return `(typeof (${v} = ${read(doc.field)}) === 'number' && ${v} ${doc.type === 'greater_than' ? '>' : '<'} ${literal(doc.value)})`;
    }
    case 'cel':
      return `${ref(g, g.cel(doc.expr))}(s, ctx)`;
  }
}

/** `v` (present) equals `value`: floats within the tolerance, scalars by ===, the rest by jsonEqual. */
function equalTest(v: string, value: unknown, g: Gen): string {
  if (typeof value === 'number') {
    return `(typeof ${v} === 'number' && (${v} === ${literal(value)} || Math.abs(${v} - ${literal(value)}) <= ${FLOAT_TOLERANCE}))`;
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return `(${v} === ${literal(value)})`;
  return `jsonEqual(${v}, ${ref(g, value)})`;
}

/** The CEL expressions of a condition tree, in document order (the CEL library is loaded to compile them). */
export function celExpressions(doc: ConditionDoc): string[] {
  switch (doc.type) {
    case 'cel':
      return [doc.expr];
    case 'all':
    case 'any':
      return doc.conditions.flatMap(celExpressions);
    case 'not':
      return celExpressions(doc.condition);
    default:
      return [];
  }
}

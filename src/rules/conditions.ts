import { equalTo } from './equal.js';
import { compilePath } from './path.js';
import type { ConditionDoc } from './types.js';

/** The span as JSON: a signed span, a draft, or a span as changed by earlier rules. */
export type SpanJson = Readonly<Record<string, unknown>>;

/** Scratch of one evaluation: a CEL condition that fails sets `error` (and does not match). */
export interface EvalContext {
  error: string | undefined;
}

export type Predicate = (span: SpanJson, ctx: EvalContext) => boolean;

/** Compiles a CEL expression into a predicate (see cel.ts); condition trees that use none never load CEL. */
export type CelCompile = (expr: string) => Predicate;

const ALWAYS: Predicate = () => true;
const NEVER: Predicate = () => false;

/**
 * Compiles a condition tree once into a closure, with the exact semantics of the original rules:
 * `all` of nothing is true and `any` of nothing false; `equals` needs the field present and equal (jsonEqual);
 * `not_equals` is its negation, so it holds when the field is missing; `contains_text` needs a string;
 * `greater_than`/`less_than` need a number (no coercion); `contains_tag` reads the span's `tags`.
 */
export function compileCondition(doc: ConditionDoc, cel: CelCompile): Predicate {
  switch (doc.type) {
    case 'always':
      return ALWAYS;
    case 'all': {
      const parts = doc.conditions.map((c) => compileCondition(c, cel));
      if (parts.length === 0) return ALWAYS;
      if (parts.length === 1) return parts[0];
      return (s, ctx) => {
        for (let i = 0; i < parts.length; i++) if (!parts[i](s, ctx)) return false;
        return true;
      };
    }
    case 'any': {
      const parts = doc.conditions.map((c) => compileCondition(c, cel));
      if (parts.length === 0) return NEVER;
      if (parts.length === 1) return parts[0];
      return (s, ctx) => {
        for (let i = 0; i < parts.length; i++) if (parts[i](s, ctx)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compileCondition(doc.condition, cel);
      return (s, ctx) => !inner(s, ctx);
    }
    case 'equals': {
      const get = compilePath(doc.field);
      const eq = equalTo(doc.value);
      return (s) => {
        const v = get(s);
        return v !== undefined && eq(v);
      };
    }
    case 'not_equals': {
      const get = compilePath(doc.field);
      const eq = equalTo(doc.value);
      return (s) => {
        const v = get(s);
        return v === undefined || !eq(v);
      };
    }
    case 'exists': {
      const get = compilePath(doc.field);
      return (s) => get(s) !== undefined;
    }
    case 'missing': {
      const get = compilePath(doc.field);
      return (s) => get(s) === undefined;
    }
    case 'contains_text': {
      const get = compilePath(doc.field);
      const text = doc.text;
      return (s) => {
        const v = get(s);
        return typeof v === 'string' && v.includes(text);
      };
    }
    case 'contains_tag': {
      const tag = doc.tag;
      return (s) => {
        const tags = s.tags;
        return Array.isArray(tags) && tags.includes(tag);
      };
    }
    case 'greater_than': {
      const get = compilePath(doc.field);
      const bound = doc.value;
      return (s) => {
        const v = get(s);
        return typeof v === 'number' && v > bound;
      };
    }
    case 'less_than': {
      const get = compilePath(doc.field);
      const bound = doc.value;
      return (s) => {
        const v = get(s);
        return typeof v === 'number' && v < bound;
      };
    }
    case 'cel':
      return cel(doc.expr);
  }
}

/** Whether a condition tree contains CEL anywhere (then the CEL library is loaded to compile it). */
export function usesCel(doc: ConditionDoc): boolean {
  switch (doc.type) {
    case 'cel':
      return true;
    case 'all':
    case 'any':
      return doc.conditions.some(usesCel);
    case 'not':
      return usesCel(doc.condition);
    default:
      return false;
  }
}

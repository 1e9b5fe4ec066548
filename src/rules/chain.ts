import type { EvalContext, Gen, SpanJson } from './conditions.js';
import { jsonEqual } from './equal.js';
import { carefulStep } from './path.js';

/** The index of the first rule at or after `from` whose condition matches the span (or fails: see below), -1 if none. */
export type NextMatch = (span: SpanJson, ctx: EvalContext, from: number) => number;

/** One rule's condition as generated code; `cel` when it may set `ctx.error` (it uses CEL). */
export interface RuleCode {
  source: (g: Gen) => string;
  cel: boolean;
}

/** Rules per generated function: small enough for the optimizing compiler to take the function whole. */
const CHUNK = 64;

/**
 * Compiles the conditions of a phase's rules, in the order they run, into functions of one `switch` each,
 * whose cases fall through: `next(span, ctx, i)` tests rules i, i+1, … and returns the first that matches,
 * with every condition inline. A span costs one call per matching rule, not one (or several) per rule.
 *
 * Why: a rule set runs on every span signed, so 100 rules at 50k spans/s is 5M conditions a second. A
 * closure per condition node costs about five times a hand-written check, and a call per rule is most of
 * what remains. A rule whose CEL fails to evaluate also stops the scan (`ctx.error` is set): it is reported
 * and does not match.
 */
export function compileChain(codes: readonly RuleCode[]): NextMatch {
  const chunks: NextMatch[] = [];
  for (let start = 0; start < codes.length; start += CHUNK) chunks.push(chunk(codes.slice(start, start + CHUNK), start));
  if (chunks.length === 0) return () => -1;
  if (chunks.length === 1) return chunks[0];
  return (span, ctx, from) => {
    for (let c = Math.floor(from / CHUNK); c < chunks.length; c++) {
      const hit = chunks[c](span, ctx, Math.max(from, c * CHUNK));
      if (hit >= 0) return hit;
    }
    return -1;
  };
}

function chunk(codes: readonly RuleCode[], start: number): NextMatch {
  const consts: unknown[] = [];
  let temps = 0;
  const g: Gen = { consts, temp: () => `t${temps++}`, cel: () => { throw new Error('CEL predicates are bound by RuleCode.source'); } };
  const cases = codes.map((code, i) => {
    const test = code.cel ? `${code.source(g)} || ctx.error !== undefined` : code.source(g);
    return `    case ${start + i}: if (${test}) return ${start + i};`;
  });
  const locals = temps > 0 ? `  let ${Array.from({ length: temps }, (_, i) => `t${i}`).join(', ')};\n` : '';
  const source = `'use strict';\nreturn function next(s, ctx, from) {\n${locals}  switch (from) {\n${cases.join('\n')}\n  }\n  return -1;\n};`;
  const factory = new Function('K', 'jsonEqual', 'step', source) as (k: unknown[], eq: typeof jsonEqual, step: typeof carefulStep) => NextMatch;
  return factory(consts, jsonEqual, carefulStep);
}

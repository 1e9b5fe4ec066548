import type { LoglineError } from '../errors/errors.js';
import type { SpanBody } from './span.js';
import { batchError, buildDrafts, type Built, type Draft, type Heads } from './build.js';

/** Builds drafts for `Timeline.appendBuilt`, group by group, each chained on what was built before it. */
export interface Builder {
  /**
   * Builds a group of drafts, all or nothing: their spans (ids known, signed later), or why the group is refused.
   * `within` places the group in a bigger call for the error: its first line there, and the call's size.
   */
  add(drafts: readonly Draft[], within?: { line: number; of: number }): Built[] | LoglineError;
}

/** A batch built for `appendBuilt`: the caller's plan, the spans in order, and the chain heads after them. */
export interface Batch<P> {
  plan: P;
  built: Built[];
  heads: Heads;
}

/**
 * Runs `build` on a Builder chained from `heads` (a copy: the batch's own heads are returned), reading the
 * heads it does not have with `readHead`. A group with an invalid draft builds nothing and leaves the chains as
 * they were, so that one refused group costs only itself.
 */
export function buildBatch<P>(author: string, heads: Heads, readHead: (tenant: string) => { seq: number; id: string } | undefined,
  admit: (body: SpanBody) => unknown, build: (b: Builder) => P): Batch<P> {
  const batch = { built: [] as Built[], heads: new Map(heads) as Heads };
  const plan = build({
    add: (drafts, within) => {
      const before = drafts.map((d) => [d?.tenant, batch.heads.get(d?.tenant)] as const);
      const result = buildDrafts(drafts, author, batch.heads, readHead, admit);
      if (result.failures.length === 0) {
        batch.built.push(...result.built);
        return result.built;
      }
      for (const [tenant, head] of before.reverse()) {
        if (head === undefined) batch.heads.delete(tenant);
        else batch.heads.set(tenant, head);
      }
      if (within) for (const f of result.failures) f.line += within.line - 1;
      return batchError(within?.of ?? drafts.length, result);
    },
  });
  return { ...batch, plan };
}

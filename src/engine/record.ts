import { LoglineError } from '../errors/errors.js';
import type { Signer } from '../identity/ed25519.js';
import type { Draft } from '../timeline/build.js';
import type { Span } from '../timeline/span.js';
import type { Timeline } from '../timeline/timeline.js';
import { PRIORITIES, iso, type RunOutcome, type TaskRow } from './task.js';

/**
 * Every run is recorded as two `system` spans in the task's tenant: `task.started` when it is claimed and
 * `task.finished` when it ends, with `delta_s`, the outcome and the error in `data`. Both are `caused_by` the
 * span that triggered the task, when there is one; the finished span relates to the started one.
 */
export function startedDraft(task: TaskRow, at: number): Draft {
  return withCause(task, {
    tenant: task.tenant, title: 'task.started', kind: 'system', ts: iso(at),
    data: { ...facts(task), priority: PRIORITIES[task.priority], max_attempts: task.max_attempts },
  });
}

export interface Finished {
  outcome: RunOutcome;
  /** Whether the task is done (no retry follows). */
  final: boolean;
  retryAt: number | null;
  error: unknown;
  result: unknown;
  seconds: number;
  startedSpan: string | null;
}

export function finishedDraft(task: TaskRow, f: Finished, at: number): Draft {
  const data: Record<string, unknown> = { ...facts(task), outcome: f.outcome, final: f.final };
  if (f.error !== null) data.error = f.error;
  if (f.result !== null && f.result !== undefined) data.result = f.result;
  if (f.retryAt !== null) data.retry_at = iso(f.retryAt);
  return withCause(task, {
    tenant: task.tenant, title: 'task.finished', kind: 'system', ts: iso(at), delta_s: Math.round(f.seconds * 1000) / 1000,
    data, ...(f.startedSpan ? { related: [f.startedSpan] } : {}),
  });
}

function facts(task: TaskRow): Record<string, unknown> {
  const out: Record<string, unknown> = { task: task.id, type: task.type, attempt: task.attempts };
  if (task.rule !== null) out.rule = task.rule;
  if (task.schedule_id !== null) out.schedule = task.schedule_id;
  return out;
}

function withCause(task: TaskRow, draft: Draft): Draft {
  return task.caused_by ? { ...draft, caused_by: task.caused_by } : draft;
}

/**
 * Appends groups of drafts in one call, inside the caller's transaction; when that batch is refused, each group
 * alone (all or nothing per group), so that one bad span (a payload the timeline rejects, a tenant this node may
 * not write) fails only its own task.
 */
export function appendGroups(timeline: Timeline, groups: readonly (readonly Draft[])[], signer: Signer): (Span[] | LoglineError)[] {
  const all = groups.flat();
  if (all.length === 0) return groups.map(() => []);
  try {
    const spans = timeline.append(all, signer);
    let at = 0;
    return groups.map((g) => spans.slice(at, (at += g.length)));
  } catch (e) {
    if (!(e instanceof LoglineError)) throw e;
    if (groups.length === 1) return [e];
  }
  return groups.map((g) => {
    try {
      return g.length === 0 ? [] : timeline.append(g, signer);
    } catch (e) {
      if (e instanceof LoglineError) return e;
      throw e;
    }
  });
}

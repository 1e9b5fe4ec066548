import type { Draft } from '../timeline/build.js';
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

/** The task model of the engine (SPEC §7): priorities, statuses, the stored row and what a caller enqueues. */

export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type PriorityName = (typeof PRIORITIES)[number];

export const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof STATUSES)[number];

/** How one run (attempt) ended. `crashed`: its daemon died; `interrupted`: its daemon stopped meanwhile. */
export type RunOutcome = 'succeeded' | 'failed' | 'timeout' | 'cancelled' | 'crashed' | 'interrupted';

/** What to do with a task whose run was cut short by a crash or a stop: run it again, or mark it failed. */
export type OnCrash = 'retry' | 'fail';

/** Retry and timeout policy of a task. */
export interface TaskPolicy {
  /** Runs at most this many times (1: no retry). */
  maxAttempts: number;
  /** Delay before the second attempt; doubled for each further one, up to `backoffMaxMs`. */
  backoffMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  onCrash: OnCrash;
}

/** A task as a caller asks for it; the type's defaults fill the policy fields left out. */
export interface NewTask extends Partial<TaskPolicy> {
  tenant: string;
  type: string;
  payload: unknown;
  priority?: PriorityName;
  /** Not before this time (ms since the epoch); default now. */
  scheduledFor?: number;
  /** The span that triggered it (64 hex). */
  causedBy?: string;
  /** The rule that enqueued it. */
  rule?: string;
  scheduleId?: number;
}

/** The stored row (tasks table). */
export interface TaskRow {
  id: number;
  tenant: string;
  type: string;
  payload: string;
  priority: number;
  status: TaskStatus;
  scheduled_for: number;
  created_at: number;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  backoff_max_ms: number;
  timeout_ms: number;
  on_crash: OnCrash;
  caused_by: string | null;
  rule: string | null;
  schedule_id: number | null;
  cancel_requested: number;
  owner: string | null;
  lease_until: number | null;
  run_span: string | null;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  result: string | null;
}

/** A task as commands and the API show it. */
export interface TaskInfo {
  id: number;
  tenant: string;
  type: string;
  payload: unknown;
  priority: PriorityName;
  status: TaskStatus;
  scheduledFor: string;
  createdAt: string;
  attempts: number;
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  onCrash: OnCrash;
  causedBy: string | null;
  rule: string | null;
  schedule: number | null;
  cancelRequested: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  result: unknown;
}

export function taskInfo(row: TaskRow): TaskInfo {
  return {
    id: row.id, tenant: row.tenant, type: row.type, payload: JSON.parse(row.payload), priority: PRIORITIES[row.priority],
    status: row.status, scheduledFor: iso(row.scheduled_for), createdAt: iso(row.created_at), attempts: row.attempts,
    maxAttempts: row.max_attempts, backoffMs: row.backoff_ms, backoffMaxMs: row.backoff_max_ms, timeoutMs: row.timeout_ms,
    onCrash: row.on_crash, causedBy: row.caused_by, rule: row.rule, schedule: row.schedule_id,
    cancelRequested: row.cancel_requested === 1, startedAt: isoOrNull(row.started_at), finishedAt: isoOrNull(row.finished_at),
    error: row.error === null ? null : JSON.parse(row.error), result: row.result === null ? null : JSON.parse(row.result),
  };
}

/** Delay before attempt `attempt + 1` after `attempt` failed: exponential from `backoffMs`, capped. */
export function backoffDelay(policy: Pick<TaskPolicy, 'backoffMs' | 'backoffMaxMs'>, attempt: number): number {
  return Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** Math.max(0, attempt - 1));
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

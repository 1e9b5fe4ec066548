import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import type { RunOutcome, TaskRow, TaskStatus } from './task.js';

/** How a run ends, as written to its task row and to task_runs. */
export interface RunEnd {
  task: TaskRow;
  outcome: RunOutcome;
  /** Where the task goes next: finished (succeeded, failed, cancelled) or queued again for a retry. */
  status: TaskStatus;
  retryAt: number | null;
  error: unknown;
  result: unknown;
  startedAt: number;
  finishedAt: number;
  startedSpan: string | null;
  finishedSpan: string | null;
}

/** The engine's own statements on the tasks tables, prepared once (the hot path of the queue). */
export class EngineStore {
  readonly db: Db;
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    this.db = db;
    this.s = {
      // a loose index scan: one index seek per tenant that has queued tasks, however many it has
      tenants: db.prepare(`WITH RECURSIVE t(tenant) AS (
          SELECT (SELECT min(tenant) FROM tasks WHERE status = 'queued')
          UNION ALL SELECT (SELECT min(tenant) FROM tasks WHERE status = 'queued' AND tenant > t.tenant) FROM t WHERE t.tenant IS NOT NULL
        ) SELECT tenant FROM t WHERE tenant IS NOT NULL`).pluck(),
      // those of the cycles in flight are left out here: a row read costs more than the index walk past it
      candidates: db.prepare(`SELECT * FROM tasks INDEXED BY tasks_ready WHERE status = 'queued' AND tenant = ? AND scheduled_for <= ?
        AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY priority, scheduled_for, id LIMIT ?`),
      claim: db.prepare(`UPDATE tasks SET status = 'running', attempts = attempts + 1, owner = ?, lease_until = ?, started_at = ?,
        finished_at = NULL, run_span = ?, cancel_requested = 0 WHERE id = ? AND status = 'queued'`),
      end: db.prepare(`UPDATE tasks SET status = ?, scheduled_for = coalesce(?, scheduled_for), finished_at = ?, owner = NULL,
        lease_until = NULL, error = ?, result = coalesce(?, result) WHERE id = ?`),
      // claim and end in one: a run that started and ended in the same cycle
      endQueued: db.prepare(`UPDATE tasks SET status = ?, attempts = attempts + 1, scheduled_for = coalesce(?, scheduled_for), started_at = ?,
        finished_at = ?, run_span = ?, owner = NULL, lease_until = NULL, cancel_requested = 0, error = ?, result = coalesce(?, result)
        WHERE id = ? AND status = 'queued'`),
      run: db.prepare(`INSERT OR REPLACE INTO task_runs (task, attempt, outcome, error, started_at, finished_at, started_span, finished_span)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      running: db.prepare(`SELECT * FROM tasks WHERE status = 'running'`),
      cancelRequested: db.prepare(`SELECT id FROM tasks WHERE status = 'running' AND owner = ? AND cancel_requested = 1`).pluck(),
      nextDue: db.prepare(`SELECT min(scheduled_for) FROM tasks WHERE status = 'queued'`).pluck(),
      queued: db.prepare(`SELECT count(*) FROM tasks WHERE status = 'queued'`).pluck(),
    };
  }

  readyTenants(): string[] {
    return this.s.tenants.all() as string[];
  }

  /** The next tasks of a tenant that are due, but for those `excluded`: by priority, then scheduled_for, then FIFO. */
  candidates(tenant: string, now: number, limit: number, excluded: Iterable<number> = []): TaskRow[] {
    return this.s.candidates.all(tenant, now, JSON.stringify([...excluded]), limit) as TaskRow[];
  }

  /**
   * Moves a queued task to running under this owner's lease, with its `task.started` span; false when it is no
   * longer queued (cancelled meanwhile).
   */
  claim(id: number, owner: string, now: number, leaseUntil: number, runSpan: string): boolean {
    return this.s.claim.run(owner, leaseUntil, now, runSpan, id).changes === 1;
  }

  /** Records the end of a run of this engine's: the task row and the run's history. */
  end(e: RunEnd): void {
    const error = e.error === null ? null : JSON.stringify(e.error);
    this.s.end.run(e.status, e.retryAt, e.finishedAt, error, e.result === null ? null : JSON.stringify(e.result), e.task.id);
    this.s.run.run(e.task.id, e.task.attempts, e.outcome, error, e.startedAt, e.finishedAt, e.startedSpan, e.finishedSpan);
  }

  /** `end` of a run that started in the same cycle, so the task is still queued; false when it is not (cancelled meanwhile). */
  endQueued(e: RunEnd): boolean {
    const error = e.error === null ? null : JSON.stringify(e.error);
    const result = e.result === null ? null : JSON.stringify(e.result);
    if (this.s.endQueued.run(e.status, e.retryAt, e.startedAt, e.finishedAt, e.startedSpan, error, result, e.task.id).changes !== 1) return false;
    this.s.run.run(e.task.id, e.task.attempts, e.outcome, error, e.startedAt, e.finishedAt, e.startedSpan, e.finishedSpan);
    return true;
  }

  /** Every task marked running: at start, they are the runs of a daemon that died. */
  running(): TaskRow[] {
    return this.s.running.all() as TaskRow[];
  }

  cancelRequested(owner: string): number[] {
    return this.s.cancelRequested.all(owner) as number[];
  }

  /** The earliest scheduled_for among queued tasks (ms), or null. */
  nextDue(): number | null {
    return this.s.nextDue.get() as number | null;
  }

  queuedCount(): number {
    return this.s.queued.get() as number;
  }
}

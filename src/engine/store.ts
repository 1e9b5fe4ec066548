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
      candidates: db.prepare(`SELECT * FROM tasks INDEXED BY tasks_ready WHERE status = 'queued' AND tenant = ? AND scheduled_for <= ?
        ORDER BY priority, scheduled_for, id LIMIT ?`),
      claim: db.prepare(`UPDATE tasks SET status = 'running', attempts = attempts + 1, owner = ?, lease_until = ?, started_at = ?,
        finished_at = NULL, run_span = NULL, cancel_requested = 0 WHERE id = ? AND status = 'queued'`),
      runSpan: db.prepare('UPDATE tasks SET run_span = ? WHERE id = ?'),
      end: db.prepare(`UPDATE tasks SET status = ?, scheduled_for = coalesce(?, scheduled_for), finished_at = ?, owner = NULL,
        lease_until = NULL, error = ?, result = coalesce(?, result) WHERE id = ?`),
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

  /** The next tasks of a tenant that are due: by priority, then scheduled_for, then FIFO. */
  candidates(tenant: string, now: number, limit: number): TaskRow[] {
    return this.s.candidates.all(tenant, now, limit) as TaskRow[];
  }

  /** Moves a queued task to running under this owner's lease; false when someone else got it first. */
  claim(id: number, owner: string, now: number, leaseUntil: number): boolean {
    return this.s.claim.run(owner, leaseUntil, now, id).changes === 1;
  }

  setRunSpan(id: number, span: string): void {
    this.s.runSpan.run(span, id);
  }

  end(e: RunEnd): void {
    const error = e.error === null ? null : JSON.stringify(e.error);
    this.s.end.run(e.status, e.retryAt, e.finishedAt, error, e.result === null ? null : JSON.stringify(e.result), e.task.id);
    this.s.run.run(e.task.id, e.task.attempts, e.outcome, error, e.startedAt, e.finishedAt, e.startedSpan, e.finishedSpan);
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

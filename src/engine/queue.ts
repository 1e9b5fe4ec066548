import type { Statement } from 'better-sqlite3';
import type { Config } from '../config/config.js';
import type { Db } from '../store/db.js';
import { taskError } from './errors.js';
import { prepareTask, requireTenant } from './prepare.js';
import { STATUSES, taskInfo, type NewTask, type RunOutcome, type TaskInfo, type TaskRow, type TaskStatus } from './task.js';

export interface ListFilter {
  tenant?: string;
  statuses?: TaskStatus[];
  type?: string;
  limit?: number;
}

/** One finished run, as `task show` lists them. */
export interface RunInfo {
  attempt: number;
  outcome: RunOutcome;
  error: { code: string; message: string } | null;
  startedAt: string;
  finishedAt: string;
  startedSpan: string | null;
  finishedSpan: string | null;
}

/**
 * The durable queue (tasks table): what the CLI, rules and the API call to add, list, cancel and retry tasks.
 * Any process may use it on the node's database (WAL); the daemon's engine notices new rows and runs them.
 */
export class TaskQueue {
  readonly db: Db;
  private readonly config: Config;
  private readonly insertStmt: Statement;

  constructor(db: Db, config: Config) {
    this.db = db;
    this.config = config;
    this.insertStmt = db.prepare(`INSERT INTO tasks (tenant, type, payload, priority, status, scheduled_for, created_at, max_attempts,
      backoff_ms, backoff_max_ms, timeout_ms, on_crash, caused_by, rule, schedule_id) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  /** Checks and stores a task; nothing is stored when any field is bad. */
  enqueue(task: NewTask, now = Date.now()): TaskInfo {
    return this.get(this.enqueueMany([task], now)[0]);
  }

  /** Several tasks in one transaction, all or nothing; returns their ids. */
  enqueueMany(tasks: readonly NewTask[], now = Date.now()): number[] {
    const prepared = tasks.map((t) => {
      if (t.scheduledFor !== undefined && !Number.isFinite(t.scheduledFor)) throw taskError('TASK_BAD_PAYLOAD', `scheduled_for: ${t.scheduledFor} is not a time`, { usage: true, details: { field: 'scheduled_for' } });
      return { p: prepareTask(t, this.config), at: Math.round(t.scheduledFor ?? now), schedule: t.scheduleId ?? null };
    });
    for (const tenant of new Set(prepared.map(({ p }) => p.tenant))) requireTenant(this.db, tenant);
    return this.db.transaction(() => prepared.map(({ p, at, schedule }) => Number(this.insertStmt.run(
      p.tenant, p.type.name, p.payload, p.priority, at, now, p.maxAttempts, p.backoffMs, p.backoffMaxMs, p.timeoutMs, p.onCrash,
      p.causedBy, p.rule, schedule,
    ).lastInsertRowid))).immediate();
  }

  row(id: number): TaskRow {
    const row = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
    if (!row) throw taskError('TASK_NOT_FOUND', `no task ${id}`);
    return row;
  }

  get(id: number): TaskInfo {
    return taskInfo(this.row(id));
  }

  /** Newest first. */
  list(filter: ListFilter = {}): TaskInfo[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.tenant !== undefined) { where.push('tenant = ?'); args.push(filter.tenant); }
    if (filter.statuses?.length) { where.push(`status IN (${filter.statuses.map(() => '?').join(',')})`); args.push(...filter.statuses); }
    if (filter.type !== undefined) { where.push('type = ?'); args.push(filter.type); }
    const sql = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit ?? 50) as TaskRow[]).map(taskInfo);
  }

  runs(id: number): RunInfo[] {
    const rows = this.db.prepare('SELECT * FROM task_runs WHERE task = ? ORDER BY attempt').all(id) as {
      attempt: number; outcome: RunOutcome; error: string | null; started_at: number; finished_at: number; started_span: string | null; finished_span: string | null;
    }[];
    return rows.map((r) => ({
      attempt: r.attempt, outcome: r.outcome, error: r.error === null ? null : JSON.parse(r.error), startedAt: new Date(r.started_at).toISOString(),
      finishedAt: new Date(r.finished_at).toISOString(), startedSpan: r.started_span, finishedSpan: r.finished_span,
    }));
  }

  /**
   * A queued task is cancelled at once; a running one is asked to stop (the engine aborts it and records the run
   * as cancelled). Finished tasks cannot be cancelled.
   */
  cancel(id: number, now = Date.now()): TaskInfo {
    this.db.transaction(() => {
      const row = this.row(id);
      if (row.status === 'queued') this.db.prepare(`UPDATE tasks SET status = 'cancelled', finished_at = ? WHERE id = ?`).run(now, id);
      else if (row.status === 'running') this.db.prepare('UPDATE tasks SET cancel_requested = 1 WHERE id = ?').run(id);
      else throw taskError('TASK_NOT_CANCELLABLE', `task ${id} is ${row.status}`);
    }).immediate();
    return this.get(id);
  }

  /** Queues a failed or cancelled task again, now, with its attempts counted from zero. */
  retry(id: number, now = Date.now()): TaskInfo {
    this.db.transaction(() => {
      const row = this.row(id);
      if (row.status !== 'failed' && row.status !== 'cancelled') throw taskError('TASK_NOT_RETRYABLE', `task ${id} is ${row.status}`);
      this.db.prepare(`UPDATE tasks SET status = 'queued', attempts = 0, scheduled_for = ?, cancel_requested = 0, finished_at = NULL WHERE id = ?`).run(now, id);
    }).immediate();
    return this.get(id);
  }

  /** Tasks per status (all tenants, or one). */
  counts(tenant?: string): Record<TaskStatus, number> {
    const rows = (tenant === undefined
      ? this.db.prepare('SELECT status, count(*) AS n FROM tasks GROUP BY status').all()
      : this.db.prepare('SELECT status, count(*) AS n FROM tasks WHERE tenant = ? GROUP BY status').all(tenant)) as { status: TaskStatus; n: number }[];
    const out = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}

import type { Statement } from 'better-sqlite3';
import { Cron } from 'croner';
import type { Config } from '../config/config.js';
import { LoglineError } from '../errors/errors.js';
import type { Db } from '../store/db.js';
import { taskError } from './errors.js';
import { prepareTask, requireTenant } from './prepare.js';
import { PRIORITIES, iso, type NewTask, type OnCrash, type PriorityName } from './task.js';

export interface NewSchedule extends Omit<NewTask, 'scheduledFor' | 'scheduleId' | 'causedBy' | 'rule'> {
  cron: string;
  /** IANA time zone of the pattern; default the node's local time. */
  timezone?: string;
}

export interface ScheduleInfo {
  id: number;
  tenant: string;
  cron: string;
  timezone: string | null;
  type: string;
  payload: unknown;
  priority: PriorityName;
  maxAttempts: number;
  timeoutMs: number;
  onCrash: OnCrash;
  nextRun: string | null;
  lastRun: string | null;
  lastTask: number | null;
  createdAt: string;
}

interface ScheduleRow {
  id: number; tenant: string; cron: string; timezone: string | null; type: string; payload: string; priority: number;
  max_attempts: number; backoff_ms: number; backoff_max_ms: number; timeout_ms: number; on_crash: OnCrash;
  next_run: number | null; last_run: number | null; last_task: number | null; created_at: number;
}

/** The pattern's next run after `after` (ms), or null; a bad pattern or zone is a usage error naming the field. */
export function nextRun(cron: string, timezone: string | null, after: number): number | null {
  let c: Cron;
  try {
    c = new Cron(cron, { paused: true, timezone: timezone ?? undefined });
  } catch (e) {
    throw taskError('BAD_CRON', `cron: "${cron}" is not a cron pattern: ${(e as Error).message.replace(/^CronPattern: /, '')}`, { usage: true, details: { field: 'cron' } });
  }
  try {
    return c.nextRun(new Date(after))?.getTime() ?? null;
  } catch {
    throw new LoglineError('BAD_TIMEZONE', `timezone: "${timezone}" is not an IANA time zone`, { hint: 'e.g. Europe/Paris, America/New_York, UTC', exitCode: 2, details: { field: 'timezone' } });
  }
}

/**
 * Cron schedules (task_schedules table): each due schedule queues one task and moves on to its next run after
 * now, so that runs missed while the daemon was down are made up once, not once per missed tick.
 */
export class Schedules {
  private readonly db: Db;
  private readonly config: Config;
  private readonly due: Statement;
  private readonly advance: Statement;
  private readonly earliest: Statement;

  constructor(db: Db, config: Config) {
    this.db = db;
    this.config = config;
    this.due = db.prepare('SELECT * FROM task_schedules WHERE next_run IS NOT NULL AND next_run <= ?');
    this.advance = db.prepare('UPDATE task_schedules SET next_run = ?, last_run = ?, last_task = ? WHERE id = ?');
    this.earliest = db.prepare('SELECT min(next_run) FROM task_schedules WHERE next_run IS NOT NULL').pluck();
  }

  add(s: NewSchedule, now = Date.now()): ScheduleInfo {
    const next = nextRun(s.cron, s.timezone ?? null, now);
    if (next === null) throw taskError('BAD_CRON', `cron: "${s.cron}" never fires`, { usage: true, details: { field: 'cron' } });
    const p = prepareTask(s, this.config);
    requireTenant(this.db, p.tenant);
    const id = Number(this.db.prepare(`INSERT INTO task_schedules (tenant, cron, timezone, type, payload, priority, max_attempts, backoff_ms,
      backoff_max_ms, timeout_ms, on_crash, next_run, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      p.tenant, s.cron, s.timezone ?? null, p.type.name, p.payload, p.priority, p.maxAttempts, p.backoffMs, p.backoffMaxMs, p.timeoutMs,
      p.onCrash, next, now).lastInsertRowid);
    return this.get(id);
  }

  get(id: number): ScheduleInfo {
    const row = this.db.prepare('SELECT * FROM task_schedules WHERE id = ?').get(id) as ScheduleRow | undefined;
    if (!row) throw taskError('SCHEDULE_NOT_FOUND', `no schedule ${id}`);
    return info(row);
  }

  list(tenant?: string): ScheduleInfo[] {
    const rows = (tenant === undefined ? this.db.prepare('SELECT * FROM task_schedules ORDER BY id').all()
      : this.db.prepare('SELECT * FROM task_schedules WHERE tenant = ? ORDER BY id').all(tenant)) as ScheduleRow[];
    return rows.map(info);
  }

  /** Removes a schedule; the tasks it queued stay (their schedule becomes null). */
  remove(id: number): ScheduleInfo {
    const found = this.get(id);
    this.db.prepare('DELETE FROM task_schedules WHERE id = ?').run(id);
    return found;
  }

  /**
   * Queues one task for each due schedule and advances it (in the caller's transaction); returns how many. A
   * schedule whose task is refused now (exec disabled since) is advanced all the same, and reported.
   */
  fire(now: number, enqueue: (t: NewTask) => number, onError: (id: number, e: unknown) => void): number {
    const due = this.due.all(now) as ScheduleRow[];
    for (const row of due) {
      let task: number | null = null;
      try {
        task = enqueue({
          tenant: row.tenant, type: row.type, payload: JSON.parse(row.payload), priority: PRIORITIES[row.priority], scheduledFor: row.next_run!,
          scheduleId: row.id, maxAttempts: row.max_attempts, backoffMs: row.backoff_ms, backoffMaxMs: row.backoff_max_ms, timeoutMs: row.timeout_ms,
          onCrash: row.on_crash,
        });
      } catch (e) {
        onError(row.id, e);
      }
      const next = nextRun(row.cron, row.timezone, Math.max(now, row.next_run!));
      this.advance.run(next, row.next_run, task ?? row.last_task, row.id);
    }
    return due.length;
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM task_schedules').pluck().get() as number;
  }

  /** The earliest next run of any schedule (ms), or null. */
  nextDue(): number | null {
    return this.earliest.get() as number | null;
  }
}

function info(r: ScheduleRow): ScheduleInfo {
  return {
    id: r.id, tenant: r.tenant, cron: r.cron, timezone: r.timezone, type: r.type, payload: JSON.parse(r.payload), priority: PRIORITIES[r.priority],
    maxAttempts: r.max_attempts, timeoutMs: r.timeout_ms, onCrash: r.on_crash, nextRun: r.next_run === null ? null : iso(r.next_run),
    lastRun: r.last_run === null ? null : iso(r.last_run), lastTask: r.last_task, createdAt: iso(r.created_at),
  };
}

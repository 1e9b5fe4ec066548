import { randomUUID } from 'node:crypto';
import { LoglineError } from '../errors/errors.js';
import type { Signer } from '../identity/ed25519.js';
import type { Home } from '../node/home.js';
import { DEFAULT_CONCURRENCY, IDLE_AFTER_MS, IDLE_POLL_MS, LEASE_GRACE_MS, MAX_TIMER_MS, MIN_TIMER_MS, POLL_MS } from './constants.js';
import { TaskQueue } from './queue.js';
import { recordCycle, type Ended } from './cycle.js';
import { RoundRobin } from './round-robin.js';
import { ABORTS, runTask, type Ending } from './run.js';
import { Schedules } from './schedules.js';
import { EngineStore } from './store.js';
import type { NewTask, RunOutcome, TaskInfo, TaskRow } from './task.js';

export interface EngineInit {
  home: Home;
  /** Tasks run at once at most (config `task_concurrency`). */
  concurrency?: number;
  /** A federation round, when the daemon runs with peer-to-peer (for `sync` tasks). */
  sync?: () => Promise<{ peers: number }>;
  log?: (line: string) => void;
  /** Called after each run is recorded (metrics). */
  onFinished?: (task: TaskRow, outcome: RunOutcome, seconds: number) => void;
  pollMs?: number;
}

export interface EngineStats {
  concurrency: number;
  running: number;
  queued: number;
  schedules: number;
}

interface Run {
  task: TaskRow;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * The task engine the daemon hosts: claims due tasks fairly (strict round-robin between tenants, priority then
 * scheduled_for then FIFO within one) up to the concurrency limit, runs them with a timeout and cancellation,
 * records each run as spans, retries with backoff, and fires cron schedules. It notices tasks queued by other
 * processes through `PRAGMA data_version` and its own through `total_changes()`, polled cheaply (more slowly when
 * idle).
 */
export class Engine {
  /** This engine's lease owner id: a running task with another owner belongs to a daemon that died. */
  readonly owner = randomUUID();
  readonly queue: TaskQueue;
  readonly schedules: Schedules;
  private readonly home: Home;
  private readonly init: EngineInit;
  private readonly store: EngineStore;
  private readonly rr = new RoundRobin();
  private readonly runs = new Map<number, Run>();
  private endings: Ended[] = [];
  private signerInstance: Signer | undefined;
  private poll: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pumpQueued = false;
  private seen = '';
  private changedAt = 0;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private readonly versionStmt;

  constructor(init: EngineInit) {
    this.init = init;
    this.home = init.home;
    this.store = new EngineStore(init.home.db);
    this.queue = new TaskQueue(init.home.db, init.home.config);
    this.schedules = new Schedules(init.home.db, init.home.config);
    this.versionStmt = init.home.db.prepare('SELECT (SELECT data_version FROM pragma_data_version) || \'.\' || total_changes()').pluck();
  }

  get concurrency(): number {
    return this.init.concurrency ?? DEFAULT_CONCURRENCY;
  }

  /** Recovers the runs of a daemon that died, then starts claiming. Idempotent. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    const orphans = this.store.running();
    const now = Date.now();
    for (const task of orphans) {
      // a cancel asked for while no daemon ran is honoured, not retried
      const cancelled = task.cancel_requested === 1;
      this.endings.push({ task, outcome: cancelled ? 'cancelled' : 'crashed', result: null, permanent: false,
        error: cancelled ? new LoglineError('TASK_CANCELLED', 'the task was cancelled while its daemon was down') : new LoglineError('TASK_CRASHED', 'the daemon ended while the task ran'),
        startedAt: task.started_at ?? now, startedSpan: task.run_span, finishedAt: now });
    }
    if (orphans.length > 0) this.init.log?.(`tasks: ${orphans.length} interrupted by the last daemon recovered`);
    this.seen = this.version();
    this.schedulePoll();
    this.pump();
  }

  /** Stops claiming, interrupts running tasks (their policy decides: retry after restart, or fail) and records them. */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    clearTimeout(this.poll);
    clearTimeout(this.timer);
    for (const run of this.runs.values()) run.abort.abort(ABORTS.stop());
    await Promise.all([...this.runs.values()].map((r) => r.done));
    this.pump(); // records the interrupted runs; claims nothing now
  }

  /** Queues a task from this process (rules, the API) and wakes the engine. */
  enqueue(task: NewTask): TaskInfo {
    const info = this.queue.enqueue(task);
    this.wake();
    return info;
  }

  /** Cancels a task: a queued one at once, a running one of this engine now (others when the poll sees it). */
  cancel(id: number): TaskInfo {
    const info = this.queue.cancel(id);
    if (info.status === 'running') this.runs.get(id)?.abort.abort(ABORTS.cancel());
    return info;
  }

  /** Claims soon, once for however many calls come before then. */
  wake(): void {
    if (this.pumpQueued || this.state === 'new') return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      if (this.state === 'running') this.pump();
    });
  }

  stats(): EngineStats {
    return { concurrency: this.concurrency, running: this.runs.size, queued: this.store.queuedCount(), schedules: this.schedules.count() };
  }

  private version(): string {
    return this.versionStmt.get() as string;
  }

  private schedulePoll(): void {
    const idle = this.runs.size === 0 && Date.now() - this.changedAt > IDLE_AFTER_MS;
    this.poll = setTimeout(() => {
      this.check();
      if (this.state === 'running') this.schedulePoll();
    }, idle ? IDLE_POLL_MS : this.init.pollMs ?? POLL_MS);
    this.poll.unref();
  }

  /** The poll: when anything wrote to the database since the last look, apply cancellations and claim. */
  private check(): void {
    try {
      const v = this.version();
      if (v === this.seen) return;
      this.seen = v;
      this.changedAt = Date.now();
      for (const id of this.store.cancelRequested(this.owner)) this.runs.get(id)?.abort.abort(ABORTS.cancel());
      this.pump();
    } catch (e) {
      this.init.log?.(`tasks: poll failed: ${(e as Error).message}`);
    }
  }

  private get signer(): Signer {
    this.signerInstance ??= this.home.signer();
    return this.signerInstance;
  }

  /**
   * One cycle, one transaction: records the runs that ended, fires due schedules, claims as many due tasks as
   * there are free slots (strict round-robin between tenants), records their start; then runs them.
   */
  private pump(): void {
    if (this.state === 'new') return;
    clearTimeout(this.timer);
    const now = Date.now();
    const endings = this.endings;
    this.endings = [];
    const parts = { timeline: this.home.timeline, signer: this.signer, store: this.store };
    const record = this.home.db.transaction(() => {
      const picked = this.state === 'running' ? this.claim(now) : [];
      return recordCycle(parts, endings, picked, now);
    }).immediate();
    for (const { ending, seconds } of record.finished) this.init.onFinished?.(ending.task, ending.outcome, seconds);
    for (const { task, error } of record.unrecorded) this.init.log?.(`tasks: the run of task ${task.id} could not be recorded: ${error.code}: ${error.message}`);
    for (const { task, span } of record.claimed) {
      // a run that cannot be recorded (this node may not write in the tenant) must not run unrecorded
      if (span instanceof LoglineError) this.end({ task, outcome: 'failed', error: span, result: null, permanent: true, startedAt: now, startedSpan: null });
      else this.launch(task, span.id, now);
    }
    this.arm();
  }

  /** Fires due schedules and moves the next due tasks, up to the free slots, to running under this engine's lease. */
  private claim(now: number): TaskRow[] {
    this.schedules.fire(now, (t) => this.queue.enqueueMany([t], now)[0], (id, e) => this.init.log?.(`tasks: schedule ${id} not queued: ${(e as Error).message}`));
    const free = this.concurrency - this.runs.size;
    if (free <= 0) return [];
    const candidates = new Map(this.store.readyTenants().map((t) => [t, this.store.candidates(t, now, free)]));
    const picked = this.rr.pick(candidates, free).map((p) => p.task)
      .filter((task) => this.store.claim(task.id, this.owner, now, now + task.timeout_ms + LEASE_GRACE_MS));
    for (const task of picked) task.attempts++;
    return picked;
  }

  private launch(task: TaskRow, startedSpan: string, startedAt: number): void {
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(ABORTS.timeout(task.timeout_ms)), task.timeout_ms);
    const ctx = {
      task: { id: task.id, tenant: task.tenant, attempt: task.attempts, causedBy: task.caused_by },
      signal: abort.signal, config: this.home.config, db: this.home.db, sync: this.init.sync,
      paths: { db: this.home.paths.db, configFile: this.home.paths.configFile },
    };
    const done = runTask(task, ctx).then((r) => {
      clearTimeout(timeout);
      this.runs.delete(task.id);
      this.end({ task, ...r, startedAt, startedSpan });
    });
    this.runs.set(task.id, { task, abort, done });
  }

  /** A run ended: it is recorded by the next cycle, soon, together with any other that ends meanwhile. */
  private end(e: Ending): void {
    this.endings.push({ ...e, finishedAt: Date.now() });
    this.wake();
  }

  /** Wakes up for the next due task or schedule, unless every slot is busy (a run ending claims again). */
  private arm(): void {
    clearTimeout(this.timer);
    if (this.state !== 'running' || this.runs.size >= this.concurrency) return;
    const next = [this.store.nextDue(), this.schedules.nextDue()].filter((t): t is number => t !== null);
    if (next.length === 0) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(MIN_TIMER_MS, Math.min(...next) - Date.now()));
    this.timer = setTimeout(() => this.pump(), delay);
    this.timer.unref();
  }
}

import { randomUUID } from 'node:crypto';
import { LoglineError } from '../errors/errors.js';
import type { Signer } from '../identity/ed25519.js';
import type { Home } from '../node/home.js';
import { DEFAULT_CONCURRENCY, IDLE_AFTER_MS, IDLE_POLL_MS, MAX_TIMER_MS, MIN_TIMER_MS, POLL_MS } from './constants.js';
import { TaskQueue } from './queue.js';
import { applyCycle, planCycle, type CycleInput, type Ended } from './cycle.js';
import { Picker, type Picked } from './pick.js';
import { ABORTS, NO_ABORT, runTask, type Ending } from './run.js';
import { Schedules } from './schedules.js';
import { EngineStore } from './store.js';
import type { NewTask, RunOutcome, TaskInfo, TaskRow } from './task.js';
import { isInline, type RunContext } from './types/index.js';

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
 * records each run as spans, retries with backoff, and fires cron schedules. Inline types (emit) run in the cycle
 * itself, up to CYCLE_TASKS at a time. It notices tasks queued by other processes through `PRAGMA data_version`
 * and its own through `total_changes()`, polled cheaply (more slowly when idle).
 */
export class Engine {
  /** This engine's lease owner id: a running task with another owner belongs to a daemon that died. */
  readonly owner = randomUUID();
  readonly queue: TaskQueue;
  readonly schedules: Schedules;
  private readonly home: Home;
  private readonly init: EngineInit;
  private readonly store: EngineStore;
  private readonly picker: Picker;
  private readonly runs = new Map<number, Run>();
  private endings: Ended[] = [];
  private signerInstance: Signer | undefined;
  private poll: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pumpQueued = false;
  /** The cycles running now; `again`: something changed meanwhile, look once more; `stalled`: one failed. */
  private cycling: Promise<void> | undefined;
  private again = false;
  private stalled = false;
  /** Slots of the concurrency limit that the cycles in flight hold (their tasks are launched, or recorded, once they commit). */
  private held = 0;
  private seen = '';
  private changedAt = 0;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private readonly versionStmt;

  constructor(init: EngineInit) {
    this.init = init;
    this.home = init.home;
    this.store = new EngineStore(init.home.db);
    this.picker = new Picker(this.store);
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
    while (this.cycling) await this.cycling; // the cycles under way commit
    for (const run of this.runs.values()) run.abort.abort(ABORTS.stop());
    await Promise.all([...this.runs.values()].map((r) => r.done));
    this.pump(); // records the interrupted runs; claims nothing now
    while (this.cycling) await this.cycling;
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
    // in slots: a batch of inline tasks being recorded counts as one
    return { concurrency: this.concurrency, running: this.runs.size + this.held, queued: this.store.queuedCount(), schedules: this.schedules.count() };
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

  /** Runs cycles until one finds nothing to do, then arms the timer for the next due task. */
  private pump(): void {
    if (this.state === 'new') return;
    if (this.cycling) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.stalled = false;
    this.cycling = this.cycles().finally(() => {
      this.cycling = undefined;
      this.arm();
    });
  }

  /**
   * Cycles, two in flight: the next one is picked and built on the main thread while the one before is signed in
   * the crypto pool, then waits for it to commit. Ends when a cycle finds nothing to do after the one before it
   * committed, or when one failed (arm tries again soon).
   */
  private async cycles(): Promise<void> {
    let inFlight: Promise<void> | undefined;
    for (;;) {
      this.again = false;
      const next = this.stalled ? undefined : await this.cycle();
      const waited = inFlight !== undefined;
      await inFlight;
      inFlight = next?.committed;
      if (!inFlight && !waited && (!this.again || this.stalled)) return;
      await new Promise((r) => setImmediate(r)); // I/O between cycles, also when signing took no wait
    }
  }

  /**
   * One cycle, one transaction: records the runs that ended, fires due schedules, picks the next due tasks up to
   * the free slots and CYCLE_TASKS, runs the inline ones, records every start and end (spans signed in the
   * crypto pool) and claims the others; once that commits, launches them. Undefined when there is nothing to do.
   */
  private async cycle(): Promise<{ committed: Promise<void> } | undefined> {
    const now = Date.now();
    let picked: Picked = { picks: [], slots: 0, inline: 0 };
    let ended: Ended[] = [];
    const settle = (failure?: unknown) => {
      this.held -= picked.slots;
      this.picker.release(picked);
      if (failure === undefined) return;
      // the runs that ended are recorded by the next try (arm); the picked tasks are still queued
      this.endings.unshift(...ended);
      this.stalled = true;
      this.init.log?.(`tasks: a cycle failed: ${(failure as Error).message}`);
    };
    try {
      if (this.state === 'running') {
        this.fireSchedules(now);
        picked = this.picker.pick(now, this.concurrency - this.runs.size - this.held);
        this.held += picked.slots;
      }
      ended = this.endings.splice(0);
      if (ended.length === 0 && picked.picks.length === 0) return undefined;
      const input: CycleInput = { ended, picked: await this.runInline(picked.picks.map((p) => p.task), now), now };
      await this.home.tenants.prepareRules([...ended.map((e) => e.task.tenant), ...picked.picks.map((p) => p.tenant)]);
      // picked tasks cancelled meanwhile are left out, and the cycle built again without them
      const dropped = new Set<number>();
      const committed = this.home.timeline.appendBuilt(this.signer,
        (b) => planCycle(b, dropped.size === 0 ? input : { ...input, picked: input.picked.filter((p) => !dropped.has(p.task.id)) }),
        (plan) => {
          const conflicts = applyCycle(this.store, plan, this.owner, now);
          for (const id of conflicts) dropped.add(id);
          return conflicts.length === 0;
        });
      return {
        committed: committed.then((plan) => {
          settle();
          for (const { task, startedSpan } of plan.launches) {
            if (this.state === 'running') this.launch(task, startedSpan, now);
            // claimed as the engine stopped: not started now, and recorded as interrupted (its policy decides)
            else this.end({ task, outcome: 'interrupted', error: ABORTS.stop(), result: null, permanent: false, startedAt: now, startedSpan });
          }
          for (const { end, seconds, unrecorded } of plan.ends) {
            this.init.onFinished?.(end.task, end.outcome, seconds);
            if (unrecorded) this.init.log?.(`tasks: the run of task ${end.task.id} could not be recorded: ${unrecorded.code}: ${unrecorded.message}`);
          }
        }, settle),
      };
    } catch (e) {
      settle(e);
      return undefined;
    }
  }

  private fireSchedules(now: number): void {
    if ((this.schedules.nextDue() ?? Infinity) > now) return;
    this.home.db.transaction(() => this.schedules.fire(now, (t) => this.queue.enqueueMany([t], now)[0],
      (id, e) => this.init.log?.(`tasks: schedule ${id} not queued: ${(e as Error).message}`))).immediate();
  }

  /** Runs the inline tasks among the picked ones (the others get null: they are launched after the commit). */
  private async runInline(tasks: readonly TaskRow[], startedAt: number): Promise<CycleInput['picked']> {
    return Promise.all(tasks.map(async (task) => {
      if (!isInline(task.type)) return { task, inline: null };
      const r = await runTask(task, this.context(task, NO_ABORT));
      return { task, inline: { task, ...r, startedAt, finishedAt: Date.now() } };
    }));
  }

  private context(task: TaskRow, signal: AbortSignal): RunContext {
    return {
      task: { id: task.id, tenant: task.tenant, attempt: task.attempts, causedBy: task.caused_by, rule: task.rule },
      signal, config: this.home.config, db: this.home.db, sync: this.init.sync,
      paths: { db: this.home.paths.db, configFile: this.home.paths.configFile },
    };
  }

  private launch(task: TaskRow, startedSpan: string, startedAt: number): void {
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(ABORTS.timeout(task.timeout_ms)), task.timeout_ms);
    const done = runTask(task, this.context(task, abort.signal)).then((r) => {
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

  /**
   * Wakes up for the next due task or schedule, unless every slot is busy (a run ending claims again), and soon
   * after a cycle failed.
   */
  private arm(): void {
    clearTimeout(this.timer);
    if (this.state !== 'running') return;
    const next = this.stalled ? [Date.now() + POLL_MS] : [];
    if (this.runs.size < this.concurrency) next.push(...[this.store.nextDue(), this.schedules.nextDue()].filter((t): t is number => t !== null));
    if (next.length === 0) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(MIN_TIMER_MS, Math.min(...next) - Date.now()));
    this.timer = setTimeout(() => this.pump(), delay);
    this.timer.unref();
  }
}

import { randomUUID } from 'node:crypto';
import { LoglineError } from '../errors/errors.js';
import type { Signer } from '../identity/ed25519.js';
import type { Home } from '../node/home.js';
import type { Draft } from '../timeline/build.js';
import { DEFAULT_CONCURRENCY, LEASE_GRACE_MS, MAX_TIMER_MS, MIN_TIMER_MS, POLL_MS } from './constants.js';
import { errorFacts } from './errors.js';
import { TaskQueue } from './queue.js';
import { appendEach, finishedDraft, startedDraft } from './record.js';
import { RoundRobin } from './round-robin.js';
import { ABORTS, nextStep, runTask, type Ending } from './run.js';
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
 * processes through `PRAGMA data_version` and its own through `total_changes()`, polled cheaply.
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
  private endings: (Ending & { finishedAt: number })[] = [];
  private signerInstance: Signer | undefined;
  private poll: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushQueued = false;
  private pumpQueued = false;
  private seen = '';
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
      this.endings.push({ task, outcome: 'crashed', error: new LoglineError('TASK_CRASHED', 'the daemon ended while the task ran'),
        result: null, permanent: false, startedAt: task.started_at ?? now, startedSpan: task.run_span, finishedAt: now });
    }
    if (orphans.length > 0) this.init.log?.(`tasks: ${orphans.length} interrupted by the last daemon recovered`);
    this.flush();
    this.seen = this.version();
    this.poll = setInterval(() => this.check(), this.init.pollMs ?? POLL_MS);
    this.poll.unref();
    this.pump();
  }

  /** Stops claiming, interrupts running tasks (their policy decides: retry after restart, or fail) and records them. */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    clearInterval(this.poll);
    clearTimeout(this.timer);
    for (const run of this.runs.values()) run.abort.abort(ABORTS.stop());
    await Promise.all([...this.runs.values()].map((r) => r.done));
    this.flush();
  }

  /** Queues a task from this process (rules, the API) and wakes the engine. */
  enqueue(task: NewTask): TaskInfo {
    const info = this.queue.enqueue(task);
    this.wake();
    return info;
  }

  /** Claims soon, once for however many calls come before then. */
  wake(): void {
    if (this.pumpQueued || this.state !== 'running') return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  stats(): EngineStats {
    const schedules = this.home.db.prepare('SELECT count(*) FROM task_schedules').pluck().get() as number;
    return { concurrency: this.concurrency, running: this.runs.size, queued: this.store.queuedCount(), schedules };
  }

  private version(): string {
    return this.versionStmt.get() as string;
  }

  /** The poll: when anything wrote to the database since the last look, apply cancellations and claim. */
  private check(): void {
    try {
      const v = this.version();
      if (v === this.seen) return;
      this.seen = v;
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

  /** Fires due schedules, claims as many due tasks as there are free slots, records their start, runs them. */
  private pump(): void {
    if (this.state !== 'running') return;
    clearTimeout(this.timer);
    const now = Date.now();
    const claimed = this.home.db.transaction(() => {
      this.schedules.fire(now, (t) => this.queue.enqueueMany([t], now)[0], (id, e) => this.init.log?.(`tasks: schedule ${id} not queued: ${(e as Error).message}`));
      const free = this.concurrency - this.runs.size;
      if (free <= 0) return [];
      const candidates = new Map(this.store.readyTenants().map((t) => [t, this.store.candidates(t, now, free)]));
      const picked = this.rr.pick(candidates, free).map((p) => p.task)
        .filter((task) => this.store.claim(task.id, this.owner, now, now + task.timeout_ms + LEASE_GRACE_MS));
      for (const task of picked) task.attempts++;
      const spans = appendEach(this.home.timeline, picked.map((task) => startedDraft(task, now)), this.signer);
      return picked.map((task, i) => {
        const span = spans[i];
        if (!(span instanceof LoglineError)) this.store.setRunSpan(task.id, span.id);
        return { task, span };
      });
    }).immediate();
    for (const { task, span } of claimed) {
      if (span instanceof LoglineError) {
        // the run could not be recorded (this node may not write in the tenant): it must not run unrecorded
        this.end({ task, outcome: 'failed', error: span, result: null, permanent: true, startedAt: now, startedSpan: null });
      } else {
        this.launch(task, span.id, now);
      }
    }
    this.arm();
  }

  private launch(task: TaskRow, startedSpan: string, startedAt: number): void {
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(ABORTS.timeout(task.timeout_ms)), task.timeout_ms);
    const ctx = {
      task: { id: task.id, tenant: task.tenant, attempt: task.attempts, causedBy: task.caused_by },
      signal: abort.signal, config: this.home.config, db: this.home.db, sync: this.init.sync,
    };
    const done = runTask(task, ctx).then((r) => {
      clearTimeout(timeout);
      this.runs.delete(task.id);
      this.end({ task, ...r, startedAt, startedSpan });
    });
    this.runs.set(task.id, { task, abort, done });
  }

  private end(e: Ending): void {
    this.endings.push({ ...e, finishedAt: Date.now() });
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
      this.pump();
    });
  }

  /**
   * Records the runs that ended, in one transaction: the spans a successful run returns, then each run's
   * `task.finished` span, then the task rows (finished, or queued again for a retry).
   */
  private flush(): void {
    const batch = this.endings;
    this.endings = [];
    if (batch.length === 0) return;
    const finished = this.home.db.transaction(() => {
      const effects: { ending: (typeof batch)[number]; draft: Draft }[] = [];
      for (const e of batch) if (e.outcome === 'succeeded') for (const draft of e.result?.spans ?? []) effects.push({ ending: e, draft });
      const emitted = appendEach(this.home.timeline, effects.map((x) => x.draft), this.signer);
      const ids = new Map<typeof batch[number], string[]>();
      effects.forEach(({ ending }, i) => {
        const span = emitted[i];
        if (span instanceof LoglineError) Object.assign(ending, { outcome: 'failed', error: span, permanent: true });
        else ids.set(ending, [...(ids.get(ending) ?? []), span.id]);
      });
      const steps = batch.map((e) => ({ e, step: nextStep(e, e.finishedAt), seconds: (e.finishedAt - e.startedAt) / 1000 }));
      const results = steps.map(({ e }) => (e.outcome === 'succeeded' ? { ...e.result?.data, ...(ids.has(e) ? { spans: ids.get(e) } : {}) } : null));
      const drafts = steps.map(({ e, step, seconds }, i) => finishedDraft(e.task, {
        outcome: e.outcome, final: step.status !== 'queued', retryAt: step.retryAt, error: e.error === null ? null : errorFacts(e.error),
        result: results[i], seconds, startedSpan: e.startedSpan,
      }, e.finishedAt));
      const spans = appendEach(this.home.timeline, drafts, this.signer);
      steps.forEach(({ e, step }, i) => {
        const span = spans[i];
        this.store.end({
          task: e.task, outcome: e.outcome, status: step.status, retryAt: step.retryAt, error: e.error === null ? null : errorFacts(e.error),
          result: results[i], startedAt: e.startedAt, finishedAt: e.finishedAt, startedSpan: e.startedSpan,
          finishedSpan: span instanceof LoglineError ? null : span.id,
        });
        if (span instanceof LoglineError) this.init.log?.(`tasks: the run of task ${e.task.id} could not be recorded: ${span.code}: ${span.message}`);
      });
      return steps;
    }).immediate();
    for (const { e, seconds } of finished) this.init.onFinished?.(e.task, e.outcome, seconds);
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

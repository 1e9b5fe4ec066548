/** Defaults of the task engine. */

/** Tasks run at once when the config key `task_concurrency` is not set. */
export const DEFAULT_CONCURRENCY = 8;
/**
 * How often the engine looks for work written by other processes (`PRAGMA data_version`, one cheap query when
 * nothing changed): the latency of `logline task add` (which writes the queue directly) and of `task cancel`.
 * After IDLE_AFTER_MS without a change and with nothing running it looks every IDLE_POLL_MS instead, so that an
 * idle daemon stays nearly asleep.
 */
export const POLL_MS = 100;
export const IDLE_POLL_MS = 250;
export const IDLE_AFTER_MS = 5000;
/** A running task's lease outlives its timeout by this much (the run's stop grace and the recording). */
export const LEASE_GRACE_MS = 30_000;
/** The engine wakes at least this often when a task or schedule is due later (setTimeout's range is 24.8 days). */
export const MAX_TIMER_MS = 60_000;
/** The shortest wait for the next due task, so that a clock step can never make the engine spin. */
export const MIN_TIMER_MS = 5;
/**
 * The most tasks one cycle picks. Inline ones (emit) are recorded in that cycle's one transaction, three spans
 * each, signed together in the crypto pool: a bigger batch spreads the cost of a commit and a trip to the signing
 * worker over more tasks, and holds the main thread longer (at 256, about 50 ms each to build and to store on two
 * busy cores).
 */
export const CYCLE_TASKS = 256;

import { LoglineError } from '../errors/errors.js';
import { isPermanent, parsePayload, taskError } from './errors.js';
import { backoffDelay, type RunOutcome, type TaskRow, type TaskStatus } from './task.js';
import { taskTypeOf, type RunContext, type RunResult } from './types/index.js';

/** How long a run may take to stop after its signal fires before the engine stops waiting for it. */
export const ABORT_GRACE_MS = 2000;

/** How a run ended, before it is recorded. */
export interface Ending {
  task: TaskRow;
  outcome: RunOutcome;
  error: unknown;
  result: RunResult | null;
  /** The error cannot be fixed by retrying. */
  permanent: boolean;
  startedAt: number;
  startedSpan: string | null;
}

/** Reasons the engine aborts a run with; the outcome follows from the reason. */
export const ABORTS = {
  timeout: (ms: number) => taskError('TASK_TIMEOUT', `the run took longer than its timeout of ${ms / 1000} s`),
  cancel: () => taskError('TASK_CANCELLED', 'the task was cancelled while it ran'),
  stop: () => new LoglineError('TASK_INTERRUPTED', 'the daemon stopped while the task ran', { hint: 'it runs again after the restart if its policy says retry' }),
};

/** The signal of inline runs: nothing aborts them, as they take no time. */
export const NO_ABORT = new AbortController().signal;

/** Runs a claimed task's type on its payload; never throws, the outcome says how it went. */
export async function runTask(task: TaskRow, ctx: RunContext): Promise<Pick<Ending, 'outcome' | 'error' | 'result' | 'permanent'>> {
  let run: Promise<RunResult>;
  try {
    const type = taskTypeOf(task.type);
    const refused = type.refuse?.(task.tenant, ctx.config);
    if (refused) throw taskError('TASK_EXEC_DISABLED', refused);
    run = type.run(parsePayload(type.name, type.schema, JSON.parse(task.payload)), ctx);
  } catch (e) {
    // the type is gone, the payload no longer fits, or the type may not run here: no retry changes that
    return { outcome: 'failed', error: e, result: null, permanent: true };
  }
  try {
    const result = ctx.signal === NO_ABORT ? await run : await settleOrAbort(run, ctx.signal);
    if (ctx.signal.aborted) return aborted(ctx.signal.reason);
    return { outcome: 'succeeded', error: null, result, permanent: false };
  } catch (e) {
    if (ctx.signal.aborted) return aborted(ctx.signal.reason);
    return { outcome: 'failed', error: e, result: null, permanent: isPermanent(e) };
  }
}

function aborted(reason: unknown): Pick<Ending, 'outcome' | 'error' | 'result' | 'permanent'> {
  const code = reason instanceof LoglineError ? reason.code : '';
  const outcome: RunOutcome = code === 'TASK_TIMEOUT' ? 'timeout' : code === 'TASK_CANCELLED' ? 'cancelled' : 'interrupted';
  return { outcome, error: reason, result: null, permanent: false };
}

/** The run's own settlement, or its abort reason once the signal has fired and the run has had its grace. */
function settleOrAbort<T>(run: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => { grace = setTimeout(() => reject(signal.reason), ABORT_GRACE_MS); };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    run.then(resolve, reject).finally(() => {
      clearTimeout(grace);
      signal.removeEventListener('abort', onAbort);
    });
  });
}

/** Where a task goes after a run: done (and how), or queued again at `retryAt` while its policy allows. */
export function nextStep(e: Pick<Ending, 'task' | 'outcome' | 'permanent'>, now: number): { status: TaskStatus; retryAt: number | null } {
  const { task } = e;
  const attemptsLeft = task.attempts < task.max_attempts;
  switch (e.outcome) {
    case 'succeeded': return { status: 'succeeded', retryAt: null };
    case 'cancelled': return { status: 'cancelled', retryAt: null };
    case 'crashed':
    case 'interrupted':
      return task.on_crash === 'retry' && attemptsLeft ? { status: 'queued', retryAt: now } : { status: 'failed', retryAt: null };
    default:
      if (e.permanent || !attemptsLeft) return { status: 'failed', retryAt: null };
      return { status: 'queued', retryAt: now + backoffDelay({ backoffMs: task.backoff_ms, backoffMaxMs: task.backoff_max_ms }, task.attempts) };
  }
}

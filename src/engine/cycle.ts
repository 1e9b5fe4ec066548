import { LoglineError } from '../errors/errors.js';
import type { Builder } from '../timeline/timeline.js';
import { LEASE_GRACE_MS } from './constants.js';
import { errorFacts } from './errors.js';
import { finishedDraft, startedDraft } from './record.js';
import { nextStep, type Ending } from './run.js';
import type { EngineStore, RunEnd } from './store.js';
import type { TaskRow } from './task.js';

export type Ended = Ending & { finishedAt: number };

/** What one cycle takes in: runs that ended since the last one, and the tasks it picked, in order. */
export interface CycleInput {
  /** Runs launched by an earlier cycle that ended since. */
  ended: readonly Ended[];
  /** The picked tasks (attempt counted), each with how its inline run went, or null: launched once the cycle commits. */
  picked: readonly { task: TaskRow; inline: Omit<Ended, 'startedSpan'> | null }[];
  now: number;
}

/** What one cycle records (the spans are built by then) and then does. */
export interface CyclePlan {
  /** Runs that ended; `queued`: the task started in this cycle, so its row is still queued. */
  ends: { end: RunEnd; queued: boolean; seconds: number; unrecorded: LoglineError | null }[];
  /** Tasks to launch once the cycle commits, with their `task.started` span. */
  launches: { task: TaskRow; startedSpan: string }[];
}

/**
 * Builds the spans of one cycle, in the order they commit: for each run that ended, the spans it returned and
 * its `task.finished`; then for each picked task its `task.started`, and for an inline one what its run
 * returned and its `task.finished`. A refused group fails only its own task. Has no effect of its own (the
 * timeline may build again).
 */
export function planCycle(b: Builder, input: CycleInput): CyclePlan {
  const plan: CyclePlan = { ends: [], launches: [] };
  for (const e of input.ended) plan.ends.push(recordEnd(b, e, false));
  for (const { task, inline } of input.picked) {
    const started = b.add([startedDraft(task, input.now)]);
    if (started instanceof LoglineError) {
      // a run that cannot be recorded (this node may not write in the tenant) must not run unrecorded
      const refused = { task, outcome: 'failed', error: started, result: null, permanent: true, startedAt: input.now, finishedAt: input.now } as const;
      plan.ends.push(recordEnd(b, { ...refused, startedSpan: null }, true));
    } else if (inline) {
      plan.ends.push(recordEnd(b, { ...inline, startedSpan: started[0].span.id }, true));
    } else {
      plan.launches.push({ task, startedSpan: started[0].span.id });
    }
  }
  return plan;
}

/**
 * Writes the cycle's rows, in the transaction of its spans. Returns the ids of picked tasks that are no longer
 * queued (cancelled meanwhile), for the caller to roll back and leave out; none when every row is written.
 */
export function applyCycle(store: EngineStore, plan: CyclePlan, owner: string, now: number): number[] {
  const conflicts: number[] = [];
  for (const { task, startedSpan } of plan.launches) {
    if (!store.claim(task.id, owner, now, now + task.timeout_ms + LEASE_GRACE_MS, startedSpan)) conflicts.push(task.id);
  }
  for (const { end, queued } of plan.ends) {
    if (!queued) store.end(end);
    else if (!store.endQueued(end)) conflicts.push(end.task.id);
  }
  return conflicts;
}

/** The spans a run returned and its `task.finished`, and the row that follows from them. */
function recordEnd(b: Builder, e: Ended, queued: boolean): CyclePlan['ends'][number] {
  let ending = e;
  let emitted: string[] = [];
  const spans = e.outcome === 'succeeded' ? e.result?.spans ?? [] : [];
  if (spans.length > 0) {
    const r = b.add(spans);
    // the run's spans were refused: the run failed, and retrying it would write the same spans
    if (r instanceof LoglineError) ending = { ...e, outcome: 'failed', error: r, permanent: true, result: null };
    else emitted = r.map((s) => s.span.id);
  }
  const { task, outcome, startedAt, finishedAt, startedSpan } = ending;
  const step = nextStep(ending, finishedAt);
  const result = outcome === 'succeeded' ? { ...ending.result?.data, ...(emitted.length > 0 ? { spans: emitted } : {}) } : null;
  const error = ending.error === null ? null : errorFacts(ending.error);
  const seconds = (finishedAt - startedAt) / 1000;
  const finished = b.add([finishedDraft(task, { outcome, final: step.status !== 'queued', retryAt: step.retryAt, error, result, seconds, startedSpan }, finishedAt)]);
  const finishedSpan = finished instanceof LoglineError ? null : finished[0].span.id;
  return {
    end: { task, outcome, status: step.status, retryAt: step.retryAt, error, result, startedAt, finishedAt, startedSpan, finishedSpan },
    queued, seconds, unrecorded: finished instanceof LoglineError ? finished : null,
  };
}

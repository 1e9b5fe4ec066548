import { LoglineError } from '../errors/errors.js';
import type { Signer } from '../identity/ed25519.js';
import type { Span } from '../timeline/span.js';
import type { Timeline } from '../timeline/timeline.js';
import { errorFacts } from './errors.js';
import { appendGroups, finishedDraft, startedDraft } from './record.js';
import { nextStep, type Ending } from './run.js';
import type { EngineStore } from './store.js';
import type { TaskRow } from './task.js';

export interface CycleParts {
  timeline: Timeline;
  signer: Signer;
  store: EngineStore;
}

export type Ended = Ending & { finishedAt: number };

export interface CycleRecord {
  /** The tasks claimed in this cycle with their `task.started` span, or why it could not be written. */
  claimed: { task: TaskRow; span: Span | LoglineError }[];
  finished: { ending: Ended; seconds: number }[];
  /** Runs whose `task.finished` span could not be written (their rows are updated all the same). */
  unrecorded: { task: TaskRow; error: LoglineError }[];
}

/**
 * One cycle of the engine's bookkeeping, in the caller's transaction (one commit for the whole cycle): the spans
 * that successful runs return and the `task.started` spans of the newly claimed tasks in one append, then the
 * `task.finished` spans in a second one (they name the spans of the first), then the task rows — finished, or
 * queued again for a retry — and the runs' history.
 */
export function recordCycle(parts: CycleParts, endings: readonly Ended[], picked: readonly TaskRow[], now: number): CycleRecord {
  const { timeline, signer, store } = parts;
  const effects = endings.map((e) => (e.outcome === 'succeeded' ? e.result?.spans ?? [] : []));
  const first = appendGroups(timeline, [...effects, ...picked.map((task) => [startedDraft(task, now)])], signer);
  const emitted = endings.map((e, i) => {
    const r = first[i];
    if (!(r instanceof LoglineError)) return r.map((s) => s.id);
    // the run's spans were refused: the run failed, and retrying it would write the same spans
    Object.assign(e, { outcome: 'failed', error: r, permanent: true, result: null });
    return [];
  });
  const steps = endings.map((e) => nextStep(e, e.finishedAt));
  const results = endings.map((e, i) => (e.outcome === 'succeeded' ? { ...e.result?.data, ...(emitted[i].length > 0 ? { spans: emitted[i] } : {}) } : null));
  const errors = endings.map((e) => (e.error === null ? null : errorFacts(e.error)));
  const seconds = endings.map((e) => (e.finishedAt - e.startedAt) / 1000);
  const finished = appendGroups(timeline, endings.map((e, i) => [finishedDraft(e.task, {
    outcome: e.outcome, final: steps[i].status !== 'queued', retryAt: steps[i].retryAt, error: errors[i], result: results[i],
    seconds: seconds[i], startedSpan: e.startedSpan,
  }, e.finishedAt)]), signer);
  const unrecorded: CycleRecord['unrecorded'] = [];
  endings.forEach((e, i) => {
    const span = finished[i];
    if (span instanceof LoglineError) unrecorded.push({ task: e.task, error: span });
    store.end({
      task: e.task, outcome: e.outcome, status: steps[i].status, retryAt: steps[i].retryAt, error: errors[i], result: results[i],
      startedAt: e.startedAt, finishedAt: e.finishedAt, startedSpan: e.startedSpan, finishedSpan: span instanceof LoglineError ? null : span[0].id,
    });
  });
  const claimed = picked.map((task, i) => {
    const r = first[endings.length + i];
    if (r instanceof LoglineError) return { task, span: r };
    store.setRunSpan(task.id, r[0].id);
    return { task, span: r[0] };
  });
  return { claimed, finished: endings.map((ending, i) => ({ ending, seconds: seconds[i] })), unrecorded };
}

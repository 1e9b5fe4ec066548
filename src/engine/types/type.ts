import type * as v from 'valibot';
import type { Config } from '../../config/config.js';
import type { Db } from '../../store/db.js';
import type { SpanDraft } from '../../timeline/span.js';
import type { TaskPolicy } from '../task.js';

/** What a run may use besides its payload: nothing more, so that a type stays a small plugin. */
export interface RunContext {
  /** `causedBy`: the span that triggered the task, if any; `rule`: the reaction rule that queued it, if any. */
  task: { id: number; tenant: string; attempt: number; causedBy: string | null; rule: string | null };
  /** Aborted on timeout, cancellation and daemon stop: a type stops its work when it fires. */
  signal: AbortSignal;
  config: Config;
  db: Db;
  /** The node's database and config files (for backups). */
  paths: { db: string; configFile: string };
  /** A federation round with every peer; absent when the daemon runs without peer-to-peer. */
  sync?: () => Promise<{ peers: number }>;
}

/**
 * What a successful run returns: facts for the `task.finished` span and the task row, and spans to append.
 * Those spans are appended in the same transaction that marks the task succeeded, so that a crash never leaves
 * a task whose spans were written but that will run again.
 */
export interface RunResult {
  data?: Record<string, unknown>;
  spans?: (SpanDraft & { tenant: string })[];
}

/** A task type (a plugin): a name, a payload schema, default policy and `run`. */
export interface TaskType<P = unknown> {
  name: string;
  description: string;
  /** Checked on enqueue (a failing payload is refused, naming the field) and again before each run. */
  schema: v.GenericSchema<unknown, P>;
  defaults: TaskPolicy;
  /** Only the node's owner may queue it (the CLI, the unix socket), never an API token: it acts on the machine. */
  ownerOnly?: boolean;
  /**
   * Its run returns at once and does nothing but return its result (no I/O, no effect): the engine runs such tasks
   * in its cycle, many at a time, and records each run (started, its spans, finished) and the task row in that
   * cycle's one transaction, so they are never seen running. A batch of them holds one slot of the concurrency
   * limit while it is recorded; no timeout applies. A run may be discarded and done again (a task cancelled meanwhile).
   */
  inline?: boolean;
  /** Why this type may not run for the tenant under this config (e.g. exec not enabled), or null. */
  refuse?(tenant: string, config: Config): string | null;
  run(payload: P, ctx: RunContext): Promise<RunResult>;
}

/** Declares a task type with its payload type inferred from the schema. */
export function taskType<S extends v.GenericSchema>(def: Omit<TaskType<v.InferOutput<S>>, 'schema'> & { schema: S }): TaskType<v.InferOutput<S>> {
  return def as unknown as TaskType<v.InferOutput<S>>;
}

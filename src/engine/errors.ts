import * as v from 'valibot';
import { LoglineError } from '../errors/errors.js';

/**
 * The engine's error codes, each with the remedy a user sees. A run that throws an error marked permanent is not
 * retried (a 404 from a webhook, exec not enabled); any other error is retried while attempts remain.
 */
export const TASK_ERRORS = {
  TASK_UNKNOWN_TYPE: 'task types: emit, webhook, exec, sync, backup (`logline task add --help`), and those of plugins (`logline plugin list`)',
  TASK_BAD_PAYLOAD: 'fix the named field of --payload; `logline task add --help` describes each type\'s payload',
  TASK_NOT_FOUND: '`logline task list --all` shows the tasks of the tenant',
  TASK_NOT_CANCELLABLE: 'only queued and running tasks can be cancelled',
  TASK_NOT_RETRYABLE: 'only failed and cancelled tasks can be retried; `logline task add` queues a new one',
  TASK_EXEC_DISABLED: 'enable exec for the tenant: `logline config set task_exec_tenants TENANT` (comma-separated), then restart the daemon',
  TASK_TIMEOUT: 'raise the timeout with --timeout, or make the task faster',
  TASK_CANCELLED: 'the task was cancelled with `logline task cancel`',
  TASK_FAILED: 'see the error of the run in `logline task show`',
  BAD_CRON: 'a cron pattern has 5 fields (minute hour day month weekday) or 6 (with seconds first), e.g. "*/5 * * * *"',
  SCHEDULE_NOT_FOUND: '`logline schedule list` shows the schedules of the tenant',
} as const;
export type TaskErrorCode = keyof typeof TASK_ERRORS;

export function taskError(code: TaskErrorCode, message: string, opts: { permanent?: boolean; usage?: boolean; details?: Record<string, unknown> } = {}): LoglineError {
  const details = opts.permanent ? { ...opts.details, permanent: true } : opts.details;
  return new LoglineError(code, message, { hint: TASK_ERRORS[code], exitCode: opts.usage ? 2 : 1, details });
}

/** A run error that retrying cannot fix. */
export function permanent(code: string, message: string, hint?: string): LoglineError {
  return new LoglineError(code, message, { hint, details: { permanent: true } });
}

export function isPermanent(e: unknown): boolean {
  return e instanceof LoglineError && e.details?.permanent === true;
}

/** `{code, message}` of any thrown value, for the task row and the `task.finished` span. */
export function errorFacts(e: unknown): { code: string; message: string; details?: Record<string, unknown> } {
  if (e instanceof LoglineError) {
    const { permanent: _, ...details } = e.details ?? {};
    return Object.keys(details).length > 0 ? { code: e.code, message: e.message, details } : { code: e.code, message: e.message };
  }
  return { code: 'TASK_FAILED', message: String((e as Error)?.message ?? e) };
}

/** Checks a payload against a type's schema; the error names the first bad field (`payload.url`). */
export function parsePayload<T>(type: string, schema: v.GenericSchema<unknown, T>, payload: unknown): T {
  const r = v.safeParse(schema, payload);
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = v.getDotPath(issue);
  const field = path ? `payload.${path}` : 'payload';
  const problems = r.issues.map((i) => `${v.getDotPath(i) ? `payload.${v.getDotPath(i)}` : 'payload'}: ${i.message}`);
  return fail(taskError('TASK_BAD_PAYLOAD', `${field} (${type} task): ${issue.message}`, { usage: true, details: { field, problems } }));
}

function fail(e: LoglineError): never {
  throw e;
}

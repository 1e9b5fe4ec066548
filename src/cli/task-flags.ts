import { Option, type Command } from 'commander';
import { PRIORITIES, type NewTask, type OnCrash, type PriorityName } from '../engine/task.js';
import { parseDuration, parseIntFlag, parseJsonObject } from './parse.js';

export interface TaskFlags {
  payload?: string;
  priority?: PriorityName;
  retries?: string;
  backoff?: string;
  backoffMax?: string;
  timeout?: string;
  onCrash?: OnCrash;
}

export const TYPES_HELP = `
Task types and their payloads:
  emit     sign and append a span: {"title": "…", "data"?, "tags"?, "kind"?, "status"?, "visibility"?, …}
  webhook  POST JSON to a URL: {"url": "https://…", "body"?: any JSON, "headers"?: {…}, "method"?: "POST"|"PUT"|"PATCH"}
           5xx, 408, 429 and network errors are retried with backoff; other statuses fail at once
  exec     run a command, no shell: {"command": ["prog", "arg"], "cwd"?, "env"?: {…}, "input"?: "stdin"}
           off unless the tenant is in the config key task_exec_tenants
  sync     a federation round with every trusted peer: {} (needs a daemon with peer-to-peer)
  backup   what "logline backup" writes (restorable): {"path": "/abs/node-{ts}.tar", "overwrite"?: false}
Every run is recorded as task.started and task.finished system spans in the tenant.`;

/** The flags shared by `task add` and `schedule add`: payload, priority and the retry/timeout policy. */
export function addTaskOptions(cmd: Command): Command {
  return cmd
    .option('--payload <json>', 'input of the task: a JSON object, @file, or - for stdin (default {})')
    .addOption(new Option('--priority <priority>', 'critical, high, normal or low').choices(PRIORITIES).default('normal'))
    .option('--retries <n>', 'retries after a failed run (default: per type, e.g. 4 for webhook, 0 for exec)')
    .option('--backoff <duration>', 'delay before the first retry, doubled for each further one (e.g. 1s)')
    .option('--backoff-max <duration>', 'cap of the retry delay (e.g. 5m)')
    .option('--timeout <duration>', 'a run taking longer is aborted and counts as failed (e.g. 30s)')
    .addOption(new Option('--on-crash <policy>', 'a run cut short by a crash or a stop: retry it, or fail the task').choices(['retry', 'fail']));
}

/** The task fields these flags give (the type's defaults fill the rest). */
export function taskFields(type: string, tenant: string, f: TaskFlags): NewTask {
  const t: NewTask = { type, tenant, payload: parseJsonObject(f.payload ?? '{}', '--payload'), priority: f.priority };
  if (f.retries !== undefined) t.maxAttempts = parseIntFlag(f.retries, '--retries', 0) + 1;
  if (f.backoff !== undefined) t.backoffMs = parseDuration(f.backoff, '--backoff');
  if (f.backoffMax !== undefined) t.backoffMaxMs = parseDuration(f.backoffMax, '--backoff-max');
  if (f.timeout !== undefined) t.timeoutMs = parseDuration(f.timeout, '--timeout');
  if (f.onCrash !== undefined) t.onCrash = f.onCrash;
  return t;
}

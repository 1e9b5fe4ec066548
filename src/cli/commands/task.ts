import { InvalidArgumentError, type Command } from 'commander';
import type { RunInfo } from '../../engine/queue.js';
import { STATUSES, type TaskInfo, type TaskStatus } from '../../engine/task.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import type { Output } from '../output.js';
import { cliPlugins } from '../plugins.js';
import { parseAt, parseIntFlag } from '../parse.js';
import { addTaskOptions, taskFields, TYPES_HELP, type TaskFlags } from '../task-flags.js';

const STATUS_COLOR: Record<TaskStatus, string> = { queued: '36', running: '33', succeeded: '32', failed: '31', cancelled: '90' };

/** The queue, loaded only by task commands (it brings the task types' schemas). */
async function queue(ctx: Context) {
  const { TaskQueue } = await import('../../engine/queue.js');
  const home = ctx.home();
  return new TaskQueue(home.db, home.config);
}

export default function register(program: Command): void {
  const task = program.command('task').description('durable tasks the daemon runs: emit, webhook, exec, sync, backup');

  addTaskOptions(task.command('add')
    .description('queue a task for the tenant (the daemon runs it; without a daemon it waits in the queue)')
    .argument('<type>', 'emit, webhook, exec, sync or backup')
    .option('--at <time>', 'not before this time: RFC 3339, a date, or a delay from now (+10m, 2h)')
    .option('--caused-by <id>', 'id of the span that triggered the task'))
    .addHelpText('after', `${TYPES_HELP}\n\nExample:\n  logline task add webhook --payload '{"url":"https://example.com/hook"}' --priority high --at +5m`)
    .action(async (type: string, opts: TaskFlags & { at?: string; causedBy?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      await cliPlugins(ctx); // webhook, exec and user task types come from plugins
      const fields = taskFields(type, ctx.tenant(), opts);
      if (opts.at !== undefined) fields.scheduledFor = parseAt(opts.at, '--at');
      if (opts.causedBy !== undefined) fields.causedBy = opts.causedBy;
      const info = (await queue(ctx)).enqueue(fields);
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(String(info.id));
      ctx.out.info(`queued task ${info.id}: ${info.type} in ${info.tenant}, ${info.priority}, not before ${info.scheduledFor}`);
    });

  task.command('list')
    .description('tasks of the tenant, newest first')
    .option('--status <status>', `only tasks with this status, repeatable or comma-separated: ${STATUSES.join(', ')}`, statusList)
    .option('--type <type>', 'only tasks of this type')
    .option('--limit <n>', 'at most this many (default 50)')
    .option('--all-tenants', 'tasks of every tenant')
    .action(async (opts: { status?: TaskStatus[]; type?: string; limit?: string; allTenants?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const list = (await queue(ctx)).list({
        tenant: opts.allTenants ? undefined : ctx.tenant(), statuses: opts.status, type: opts.type,
        limit: opts.limit === undefined ? undefined : parseIntFlag(opts.limit, '--limit'),
      });
      if (ctx.out.json) return ctx.out.data(list);
      for (const t of list) ctx.out.line(taskLine(t, ctx.out));
      if (list.length === 0) ctx.out.info('no tasks');
    });

  task.command('show')
    .description('a task: its payload, policy, status, last error or result, and every run with its spans')
    .argument('<id>', 'task id (from `task add` or `task list`)')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const q = await queue(ctx);
      const n = parseIntFlag(id, 'id');
      const info = q.get(n);
      const runs = q.runs(n);
      if (ctx.out.json) return ctx.out.data({ ...info, runs });
      ctx.out.line(taskBlock(info, runs, ctx.out));
    });

  task.command('cancel')
    .description('cancel a queued task, or stop a running one (recorded as cancelled, not retried)')
    .argument('<id>', 'task id')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const info = (await queue(ctx)).cancel(parseIntFlag(id, 'id'));
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(info.status === 'cancelled' ? `cancelled ${info.id}` : `cancelling ${info.id} (it is running; the daemon stops it)`);
    });

  task.command('retry')
    .description('queue a failed or cancelled task again, now, with a fresh count of attempts')
    .argument('<id>', 'task id')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const info = (await queue(ctx)).retry(parseIntFlag(id, 'id'));
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(`queued ${info.id} again`);
    });
}

function statusList(value: string, previous: TaskStatus[] = []): TaskStatus[] {
  const list = value.split(',').map((s) => s.trim());
  const bad = list.find((s) => !(STATUSES as readonly string[]).includes(s));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a status; one of ${STATUSES.join(', ')}`);
  return [...previous, ...(list as TaskStatus[])];
}

function taskLine(t: TaskInfo, out: Output): string {
  const status = out.paint(STATUS_COLOR[t.status], t.status.padEnd(9));
  const error = t.error && t.status !== 'succeeded' ? `  ${out.paint('31', t.error.code)}` : '';
  return `${String(t.id).padStart(6)}  ${status}  ${t.type.padEnd(7)}  ${t.priority.padEnd(8)}  ${t.tenant}  ${t.attempts}/${t.maxAttempts}  ${out.paint('2', t.scheduledFor)}${error}`;
}

function taskBlock(t: TaskInfo, runs: RunInfo[], out: Output): string {
  const rows: [string, unknown][] = [
    ['id', t.id], ['tenant', t.tenant], ['type', t.type], ['status', out.paint(STATUS_COLOR[t.status], t.status)],
    ['priority', t.priority], ['payload', JSON.stringify(t.payload)], ['scheduled', t.scheduledFor], ['created', t.createdAt],
    ['attempts', `${t.attempts} of ${t.maxAttempts}`], ['backoff', `${t.backoffMs / 1000} s, at most ${t.backoffMaxMs / 1000} s`],
    ['timeout', `${t.timeoutMs / 1000} s`], ['on crash', t.onCrash], ['caused_by', t.causedBy ?? undefined], ['rule', t.rule ?? undefined],
    ['schedule', t.schedule ?? undefined], ['cancel', t.cancelRequested && t.status === 'running' ? 'requested' : undefined],
    ['started', t.startedAt ?? undefined], ['finished', t.finishedAt ?? undefined],
    ['error', t.error ? `${t.error.code}: ${t.error.message}` : undefined], ['result', t.result === null ? undefined : JSON.stringify(t.result)],
  ];
  const lines = rows.filter(([, v]) => v !== undefined).map(([k, v]) => `${out.paint('2', k.padEnd(10))} ${String(v)}`);
  for (const r of runs) {
    const error = r.error ? `  ${r.error.code}: ${r.error.message}` : '';
    lines.push(`${out.paint('2', `run ${r.attempt}`.padEnd(10))} ${r.outcome.padEnd(11)} ${r.startedAt}  spans ${r.startedSpan?.slice(0, 12) ?? '-'} ${r.finishedSpan?.slice(0, 12) ?? '-'}${error}`);
  }
  return lines.join('\n');
}

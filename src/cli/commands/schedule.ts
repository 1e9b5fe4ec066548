import type { Command } from 'commander';
import type { ScheduleInfo } from '../../engine/schedules.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import { cliPlugins } from '../plugins.js';
import { parseIntFlag } from '../parse.js';
import { addTaskOptions, taskFields, TYPES_HELP, type TaskFlags } from '../task-flags.js';

/** The schedules table, loaded only by schedule commands (it brings croner and the task types' schemas). */
async function schedules(ctx: Context) {
  const { Schedules } = await import('../../engine/schedules.js');
  const home = ctx.home();
  return new Schedules(home.db, home.config);
}

export default function register(program: Command): void {
  const schedule = program.command('schedule').description('cron schedules: each firing queues a task for the daemon to run');

  addTaskOptions(schedule.command('add')
    .description('queue a task of this type whenever the cron pattern fires')
    .argument('<cron>', 'a cron pattern: 5 fields (minute hour day month weekday) or 6 (seconds first); quote it')
    .argument('<type>', 'emit, webhook, exec, sync or backup')
    .option('--tz <zone>', 'IANA time zone of the pattern (default: local time of the node)'))
    .addHelpText('after', `${TYPES_HELP}\n\nExamples:\n  logline schedule add "0 3 * * *" backup --payload '{"path":"/var/backups/logline-{ts}.tar"}'\n  logline schedule add "*/15 * * * *" sync --tz UTC`)
    .action(async (cron: string, type: string, opts: TaskFlags & { tz?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      await cliPlugins(ctx); // webhook, exec and user task types come from plugins
      const info = (await schedules(ctx)).add({ ...taskFields(type, ctx.tenant(), opts), cron, timezone: opts.tz });
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(String(info.id));
      ctx.out.info(`schedule ${info.id}: ${info.type} at "${info.cron}" in ${info.tenant}, next ${info.nextRun}`);
    });

  schedule.command('list')
    .description('schedules of the tenant with their next and last run')
    .option('--all-tenants', 'schedules of every tenant')
    .action(async (opts: { allTenants?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const list = (await schedules(ctx)).list(opts.allTenants ? undefined : ctx.tenant());
      if (ctx.out.json) return ctx.out.data(list);
      for (const s of list) ctx.out.line(scheduleLine(s, ctx));
      if (list.length === 0) ctx.out.info('no schedules');
    });

  schedule.command('remove')
    .description('remove a schedule (the tasks it queued stay)')
    .argument('<id>', 'schedule id (from `schedule list`)')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const info = (await schedules(ctx)).remove(parseIntFlag(id, 'id'));
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(`removed ${info.id}`);
    });
}

function scheduleLine(s: ScheduleInfo, ctx: Context): string {
  const tz = s.timezone ? ` ${s.timezone}` : '';
  return `${String(s.id).padStart(4)}  ${JSON.stringify(s.cron)}${tz}  ${s.type.padEnd(7)}  ${s.priority.padEnd(8)}  ${s.tenant}  next ${ctx.out.paint('2', s.nextRun ?? 'never')}  last ${s.lastRun ?? 'never'}${s.lastTask ? ` (task ${s.lastTask})` : ''}`;
}

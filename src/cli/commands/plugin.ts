import type { Command } from 'commander';
import { connectDaemon } from '../../client/connect.js';
import type { LoadedPlugin, PluginReport } from '../../plugins/registry.js';
import { contextOf, type Context } from '../context.js';
import type { Output } from '../output.js';
import { cliPlugins } from '../plugins.js';

export default function register(program: Command): void {
  const plugin = program.command('plugin').description('plugins: first-party (plugins/<name>/) and those named by the config key plugins');

  plugin.command('list')
    .description('loaded plugins, what each registered (task types, rule actions, routes, span sinks), and those that failed')
    .addHelpText('after', '\nWith a daemon running, the plugins it loaded; without one, the plugins as this command loads them.')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const { from, report } = await pluginReport(ctx);
      if (ctx.out.json) return ctx.out.data({ from, ...report });
      for (const p of report.plugins) ctx.out.line(pluginBlock(p, ctx.out));
      for (const f of report.failures) ctx.out.line(`${ctx.out.paint('31', 'failed')}  ${f.plugin ?? '?'}  ${f.code}: ${f.message}`);
      if (report.plugins.length === 0 && report.failures.length === 0) ctx.out.info('no plugins');
      ctx.out.info(from === 'daemon' ? 'as loaded by the running daemon' : 'as loaded by this command (no daemon runs)');
    });
}

/** The daemon's plugins when it runs (what is really loaded), else this process's. */
async function pluginReport(ctx: Context): Promise<{ from: 'daemon' | 'in-process'; report: PluginReport }> {
  const home = ctx.home();
  const client = home.config.get('daemon') === false ? null : await connectDaemon(home.paths.socket);
  if (client) {
    try {
      const status = (await client.status()) as unknown as { plugins?: PluginReport | null };
      if (status.plugins) return { from: 'daemon', report: status.plugins };
    } finally {
      await client.close();
    }
  }
  return { from: 'in-process', report: (await cliPlugins(ctx, { quiet: true })).report() };
}

function pluginBlock(p: LoadedPlugin, out: Output): string {
  const lines = [`${out.paint('1', p.name)}${p.version ? ` ${p.version}` : ''}  ${out.paint('2', `${p.origin}  ${p.source}`)}`];
  const rows: [string, string[]][] = [['task types', p.taskTypes], ['rule actions', p.ruleActions], ['routes', p.routes], ['span sinks', p.spanSinks]];
  for (const [label, items] of rows) if (items.length > 0) lines.push(`  ${label.padEnd(13)} ${items.join(', ')}`);
  return lines.join('\n');
}

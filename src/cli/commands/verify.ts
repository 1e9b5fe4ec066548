import type { Command } from 'commander';
import { LoglineError } from '../../errors/errors.js';
import { contextOf } from '../context.js';

export default function register(program: Command): void {
  program
    .command('verify')
    .description('re-verify stored spans: ids, signatures, chains and forks; exit 1 on any failure')
    .argument('[ids...]', 'span ids or unique prefixes (default: every span of the tenant, or all with --all)')
    .option('--all', 'every span of every tenant on this node')
    .action(async (ids: string[], opts: { all?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (opts.all && ids.length > 0) throw LoglineError.usage('USAGE', 'give span ids or --all, not both');
      const scope = ids.length > 0 ? { ids } : opts.all ? {} : { tenant: ctx.tenant() };
      const started = Date.now();
      const bar = ctx.out.progress('verify');
      // in-process, the store reports each batch; through the daemon the bar shows the time it takes
      const ticker = bar.active ? setInterval(() => bar.add(0), 250) : undefined;
      const report = await (await ctx.client()).verify(scope, (done, total) => bar.update(done, { total })).finally(() => clearInterval(ticker));
      ctx.out.endProgress();
      if (ctx.out.json) ctx.out.data(report);
      else {
        for (const f of report.findings) ctx.out.line(`${ctx.out.paint('31', f.code)} ${f.message}`);
        const secs = (Date.now() - started) / 1000;
        const summary = `${report.checked} spans checked, ${report.forks} forks, ${report.findings.length} problems (${secs.toFixed(2)} s)`;
        ctx.out.line(report.ok ? `ok: ${summary}` : `FAILED: ${summary}`);
      }
      if (!report.ok) process.exitCode = 1;
    });
}

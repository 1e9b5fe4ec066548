import type { Command } from 'commander';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import { parseNumberFlag } from '../parse.js';
import { duration } from '../progress.js';
import { TopSampler, type TopSnapshot } from '../top-data.js';
import { canDrawView, loadView } from '../views.js';
import type * as TopView from '../../ui/top.js';

export default function register(program: Command): void {
  program
    .command('top')
    .description('a live dashboard of the node: spans per second, tenants, peers and their lag, tasks, rules fired, API requests and errors')
    .option('--interval <seconds>', 'seconds between refreshes (default 1)')
    .addHelpText('after', `
On a terminal it redraws until q or Ctrl-C. Otherwise (or with --json) it prints one snapshot, taken over one
interval so that it has rates. Without the daemon it shows what the store tells (spans, tenants, trusted peers).`)
    .action(async (opts: { interval?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const interval = opts.interval === undefined ? 1 : parseNumberFlag(opts.interval, '--interval');
      const sampler = new TopSampler(ctx.home());
      try {
        if (canDrawView(ctx.out.json)) {
          const view = await loadView<typeof TopView>('top');
          await view.runTop({ sample: () => sampler.sample(), intervalMs: Math.max(100, interval * 1000) });
          return;
        }
        await sampler.sample();
        await new Promise((r) => setTimeout(r, interval * 1000));
        const snap = await sampler.sample();
        if (ctx.out.json) return ctx.out.data(snap);
        printSnapshot(ctx, snap);
      } finally {
        await sampler.close();
      }
    });
}

function printSnapshot(ctx: Context, s: TopSnapshot): void {
  const rate = (r: number | null) => (r === null ? '-' : r.toFixed(1));
  const n = s.node;
  ctx.out.line(`node      ${n.running ? `${n.state} (pid ${n.pid}, up ${duration(n.uptimeSeconds ?? 0)})` : 'daemon stopped: the store only'}, logline ${n.version}`);
  ctx.out.line(`spans     ${s.spans} total, ${rate(s.spansPerSecond)}/s`);
  for (const t of s.tenants) ctx.out.line(`tenant    ${t.tenant.padEnd(20)} ${String(t.spans).padStart(9)}  ${rate(t.perSecond)}/s`);
  if (s.tasks) {
    const finished = Object.entries(s.tasks.finished).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
    ctx.out.line(`tasks     ${s.tasks.running} running of ${s.tasks.concurrency}, ${s.tasks.queued} queued, ${s.tasks.schedules} schedules; finished: ${finished}`);
  }
  if (s.rules) ctx.out.line(`rules     ${s.rules.fired} fired, ${rate(s.rules.perSecond)}/s, ${s.rules.failed} failed`);
  if (s.api) ctx.out.line(`api       ${s.api.requests} requests, ${s.api.errors} errors, ${s.api.subscribers} event streams`);
  if (s.errors) ctx.out.line(`errors    ${Object.entries(s.errors).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const p of s.peers) {
    ctx.out.line(`peer      ${p.peer}  ${p.connected ? 'connected' : 'offline  '}  ${p.tenants.join(',') || '-'}  lag ${p.lag}  sent ${p.sent}  received ${p.received}  rejected ${p.rejected}  last sync ${p.lastSync ?? 'never'}`);
  }
  if (s.peers.length === 0) ctx.out.line('peers     none');
  for (const [name, value] of Object.entries(s.metrics)) ctx.out.line(`metric    ${name} ${Number(value.toFixed(3))}`);
}

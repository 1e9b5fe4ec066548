import type { Command } from 'commander';
import type { LoglineClient } from '../../client/types.js';
import type { PeerInfo } from '../../federation/peer-info.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import { peerLine } from './peer.js';

export default function register(program: Command): void {
  program
    .command('sync')
    .description('run a sync round with every trusted peer now (through the daemon) and print per peer what moved')
    .option('--peer <peer>', 'show only this peer (12D3KooW…)')
    .action(async (opts: { peer?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const peers = (await syncWithProgress(ctx, await ctx.client())).filter((p) => opts.peer === undefined || p.peer === opts.peer);
      if (ctx.out.json) return ctx.out.data(peers);
      for (const p of peers) ctx.out.line(peerLine(p, ctx));
      if (peers.length === 0) ctx.out.info('no peers');
    });
}

/**
 * Runs the round; on a terminal, a bar counts the spans that arrive from peers meanwhile (the daemon's event
 * stream) against what the peers were known to hold that this node lacked (their lag before the round).
 */
async function syncWithProgress(ctx: Context, client: LoglineClient): Promise<PeerInfo[]> {
  const bar = ctx.out.progress('sync', { unit: 'spans received' });
  if (!bar.active) return client.sync();
  const lag = (await client.peers()).reduce((n, p) => n + Object.values(p.stats.need).reduce((a, b) => a + b, 0), 0);
  bar.update(0, { total: lag > 0 ? lag : undefined });
  const stop = new AbortController();
  const counting = (async () => {
    let received = 0;
    for await (const e of client.subscribe({}, stop.signal)) if (e.type === 'span' && e.from !== null) bar.update(++received);
  })().catch(() => {}); // the bar is best effort: the round's own result is what counts
  const ticker = setInterval(() => bar.add(0), 250);
  try {
    return await client.sync();
  } finally {
    clearInterval(ticker);
    stop.abort();
    await counting;
    ctx.out.endProgress();
  }
}

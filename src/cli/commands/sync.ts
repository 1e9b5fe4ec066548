import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { peerLine } from './peer.js';

export default function register(program: Command): void {
  program
    .command('sync')
    .description('run a sync round with every trusted peer now (through the daemon) and print per peer what moved')
    .option('--peer <peer>', 'show only this peer (12D3KooW…)')
    .action(async (opts: { peer?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const peers = (await (await ctx.client()).sync()).filter((p) => opts.peer === undefined || p.peer === opts.peer);
      if (ctx.out.json) return ctx.out.data(peers);
      for (const p of peers) ctx.out.line(peerLine(p, ctx));
      if (peers.length === 0) ctx.out.info('no peers');
    });
}

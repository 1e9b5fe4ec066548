import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { spanBlock } from '../format.js';

export default function register(program: Command): void {
  const span = program.command('span').description('single spans');
  span
    .command('show')
    .description('print one span by id or unique id prefix')
    .argument('<id>', 'span id, or at least 4 of its first hex characters')
    .action(async (ref: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const found = await (await ctx.client()).get(ref);
      if (ctx.out.json) ctx.out.data(found);
      else ctx.out.line(spanBlock(found, ctx.out));
    });
}

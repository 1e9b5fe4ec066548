import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { addSpanOptions, draftFromFlags, type SpanFlags } from '../span-flags.js';

export default function register(program: Command): void {
  addSpanOptions(
    program
      .command('log')
      .description('sign and record a span; prints its id (the whole span with --json)')
      .argument('<title>', 'what happened, one line'),
  )
    .addHelpText('after', `
Examples:
  logline log "Deployed api v2.3" --tag deploy --data '{"sha":"ab12"}'
  echo '{"amount":54}' | logline log "Receipt 0001" --workflow sales --data -`)
    .action(async (title: string, flags: SpanFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const client = await ctx.client();
      const [span] = await client.append({ drafts: [draftFromFlags(title, tenant, flags)], identity: ctx.identity(flags.as) });
      if (ctx.out.json) ctx.out.data(span);
      else ctx.out.line(span.id);
    });
}

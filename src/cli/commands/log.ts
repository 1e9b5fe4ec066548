import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { addSpanOptions, draftFromFlags, type SpanFlags } from '../span-flags.js';
import { spanTrace } from '../trace-context.js';

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
  echo '{"amount":54}' | logline log "Receipt 0001" --workflow sales --data -

With TRACEPARENT set (W3C trace context, as \`logline run\` and OpenTelemetry set it), the span joins that
trace: its OTel ids go into data.otel, and a parent that is a logline span becomes its caused_by.`)
    .action(async (title: string, flags: SpanFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const trace = spanTrace(process.env, ctx.out, false);
      const client = await ctx.client();
      const draft = draftFromFlags(title, tenant, flags, trace ? { data: { otel: trace.otel } } : {});
      const [span] = await client.append({ drafts: [draft], identity: ctx.identity(flags.as) });
      if (ctx.out.json) ctx.out.data(span);
      else ctx.out.line(span.id);
    });
}

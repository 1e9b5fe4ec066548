import { constants } from 'node:os';
import type { Command } from 'commander';
import { LoglineError } from '../../errors/errors.js';
import { contextOf } from '../context.js';
import { addSpanOptions, draftFromFlags, type SpanFlags } from '../span-flags.js';
import { spanTrace } from '../trace-context.js';

interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
  seconds: number;
}

export default function register(program: Command): void {
  addSpanOptions(
    program
      .command('run')
      .description('run a command, pass its output through, and record a span of its duration and exit status')
      .argument('<command...>', 'the command and its arguments (after --)')
      .option('--title <title>', 'title of the span (default: the command line)'),
  )
    .addHelpText('after', `
The span's data holds command, exit_code, signal; delta_s its duration. A failing command is recorded with
status "executed" and its exit code; logline exits with the command's exit code (128+n for a signal).

The span is an OpenTelemetry span too (ids in data.otel): a child of TRACEPARENT when that is set, else the root
of a new trace. The command gets a TRACEPARENT naming this span, so that \`logline log\` and \`logline run\`
inside it (and OpenTelemetry-instrumented programs) join the trace as its children.

Example:
  logline run --tag deploy -- make deploy`)
    .action(async (argv: string[], flags: SpanFlags & { title?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const trace = spanTrace(process.env, ctx.out, true)!;
      const client = await ctx.client();
      const result = await runChild(argv, { ...process.env, TRACEPARENT: trace.traceparent });
      const title = (flags.title ?? argv.join(' ')).replace(/[\r\n]+/g, ' ').slice(0, 512);
      const data: Record<string, unknown> = { command: argv, exit_code: result.exitCode, signal: result.signal, otel: trace.otel };
      if (result.error) data.error = result.error;
      const [span] = await client.append({ drafts: [draftFromFlags(title, tenant, flags, { data, delta_s: result.seconds })], identity: ctx.identity(flags.as) });
      if (ctx.out.json) ctx.out.data(span);
      else ctx.out.info(`logline: recorded ${span.id}`);
      if (result.error) ctx.out.warn(result.error);
      process.exitCode = result.exitCode ?? (result.signal ? 128 + (constants.signals[result.signal] ?? 0) : 1);
    });
}

/** Runs the command with inherited stdio; terminal signals reach it directly, SIGTERM is forwarded. */
async function runChild(argv: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  if (argv.length === 0) throw LoglineError.usage('NO_COMMAND', 'no command to run', 'logline run -- CMD ARGS…');
  const { spawn } = await import('node:child_process');
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env });
    const ignore = () => {};
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onTerm = forward('SIGTERM');
    const onHup = forward('SIGHUP');
    process.on('SIGINT', ignore);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    const done = (r: RunResult) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      resolve(r);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      done({ exitCode: e.code === 'ENOENT' ? 127 : 126, signal: null, error: `cannot run ${argv[0]}: ${e.code ?? e.message}`, seconds: seconds() });
    });
    child.on('exit', (exitCode, signal) => done({ exitCode, signal, seconds: Math.round(seconds() * 1e6) / 1e6 }));
  });
}

import { Command, CommanderError, Option } from 'commander';
import { EXIT, LoglineError } from '../errors/errors.js';
import { VERSION } from '../version.js';
import { COMMANDS } from './commands/index.js';
import { active } from './context.js';
import { Output } from './output.js';

/** Builds the whole command tree: global flags, then one sorted list of command modules. */
export function buildProgram(): Command {
  const program = new Command('logline')
    .description('A verifiable, append-only timeline of signed spans: log, query, verify and replicate')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--home <dir>', 'use one folder for config, data, state and runtime (env LOGLINE_HOME)')
    .option('--tenant <slug>', 'tenant to act on (default: the configured tenant; env LOGLINE_TENANT)')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'print only the result: no notes, no progress')
    .option('--no-color', 'never colour the output (also NO_COLOR)')
    .addOption(new Option('--passphrase-file <file>', 'read the key passphrase from a file (or env LOGLINE_PASSPHRASE)'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  for (const cmd of program.commands) inheritSettings(cmd);
  return program;
}

function inheritSettings(cmd: Command): void {
  cmd.exitOverride();
  cmd.showHelpAfterError('(run with --help for usage)');
  for (const sub of cmd.commands) inheritSettings(sub);
}

/** Runs the CLI and returns the exit code: 0 ok, 1 error, 2 usage, 3 daemon unreachable. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  let code: number = EXIT.OK;
  try {
    await program.parseAsync(argv);
    // an action that finished but reports failure (verify, import, run) sets process.exitCode
    if (typeof process.exitCode === 'number') code = process.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; commander has already printed its own one-line message
      code = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else {
      const ctx = [...active][0];
      const out = ctx?.out ?? new Output({ json: argv.includes('--json'), quiet: false, color: process.stderr.isTTY === true && !process.env.NO_COLOR });
      out.error(e);
      code = e instanceof LoglineError ? e.exitCode : EXIT.ERROR;
    }
  } finally {
    for (const ctx of active) await ctx.close().catch(() => {});
    active.clear();
  }
  return code;
}

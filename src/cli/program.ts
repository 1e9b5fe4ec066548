import { Command, CommanderError, Option } from 'commander';
import { EXIT, LoglineError } from '../errors/errors.js';
import { VERSION } from '../version.js';
import { COMMANDS } from './commands/index.js';
import { configFlagHelp } from './config-help.js';
import { active } from './context.js';
import { Output } from './output.js';

/** Global options that take a value (their value is not a command name). */
const GLOBAL_VALUE_OPTIONS = new Set(['--home', '--tenant', '--passphrase-file']);

/**
 * The command an argv runs, when it can be told without commander: then only that command is registered,
 * which saves building the whole tree on every start. Help, versions and unknown words get the whole tree.
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  if (argv.some((a) => a === '-h' || a === '--help' || a === 'help')) return undefined;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (GLOBAL_VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return Object.hasOwn(COMMANDS, a) ? a : undefined;
    else if (a === '--') return undefined;
  }
  return undefined;
}

/** Builds the command tree: global flags, then the command modules (all, or only `only`). */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('logline')
    .description('A verifiable, append-only timeline of signed spans: log, query, verify and replicate')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--home <dir>', 'use one folder for config, data, state and runtime (env LOGLINE_HOME)')
    .option('--tenant <slug>', configFlagHelp('tenant', 'tenant to act on'))
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'print only the result: no notes, no progress')
    .option('--no-color', 'never colour the output (also NO_COLOR)')
    .addOption(new Option('--passphrase-file <file>', 'read the key passphrase from a file (or env LOGLINE_PASSPHRASE)'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const chosen = Object.entries(COMMANDS).filter(([name]) => only === undefined || name === only);
  for (const register of await Promise.all(chosen.map(([, load]) => load()))) register(program);
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
  const program = await buildProgram(invokedCommand(argv));
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

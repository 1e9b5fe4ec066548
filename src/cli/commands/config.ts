import { Argument, type Command } from 'commander';
import { coerce, readConfigFile, writeConfigFile, type ConfigValue } from '../../config/config.js';
import { CONFIG, definition, type ConfigDefinition } from '../../config/definitions.js';
import { resolvePaths } from '../../config/paths.js';
import { EXIT, LoglineError } from '../../errors/errors.js';
import type { Home } from '../../node/home.js';
import { configKeysHelp } from '../config-help.js';
import { contextOf } from '../context.js';

/** One setting as `config get`/`list` show it. */
export interface ConfigEntry {
  key: string;
  value: ConfigValue;
  /** Where the value comes from: `flag`, `env`, `file` or `default`. */
  origin: string;
  /** The flag, env var or file the value comes from (`default` for the default). */
  source: string;
  type: ConfigDefinition['type'];
  default: ConfigValue;
  env: string;
}

const SHOW_ORIGIN = '--show-origin';
const SHOW_ORIGIN_HELP = 'also print where each value comes from: flag, env var, config file, or default';

const keyArgument = (what: string) => new Argument('<key>', what).choices(CONFIG.map((d) => d.name));

export default function register(program: Command): void {
  const config = program.command('config')
    .description('read and change settings (precedence: flag > env LOGLINE_* > config file > default)')
    .addHelpText('after', () => `\n${configKeysHelp()}\n\nThe config file is config.toml in the config folder (\`logline paths\`).\n\nExamples:\n  logline config set tenant acme\n  logline config list --show-origin`);

  config.command('get')
    .description('print the value of one setting (an empty line when it is unset)')
    .addArgument(keyArgument('the setting'))
    .option(SHOW_ORIGIN, SHOW_ORIGIN_HELP)
    .action((key: string, opts: { showOrigin?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const entry = entryOf(ctx.rawHome(), definition(key)!);
      if (ctx.out.json) return ctx.out.data(entry);
      ctx.out.line(opts.showOrigin ? `${entry.source}\t${show(entry.value)}` : show(entry.value));
    });

  config.command('set')
    .description('write a setting to the config file (checked against its type first)')
    .addArgument(keyArgument('the setting'))
    .argument('<value>', 'the new value (true/false for booleans)')
    .action((key: string, raw: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const file = configFile(ctx.globals.home);
      const value = checked(key, raw);
      writeConfigFile(file, { ...readConfigFile(file), [key]: value });
      const def = definition(key)!;
      if (process.env[def.env]) ctx.out.warn(`${def.env} is set in this environment and overrides the file`);
      if (ctx.out.json) return ctx.out.data({ key, value, file });
      ctx.out.line(`${key} = ${JSON.stringify(value)}`);
    });

  config.command('unset')
    .description('remove a setting from the config file (back to its default)')
    .addArgument(keyArgument('the setting'))
    .action((key: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const file = configFile(ctx.globals.home);
      const { [key]: removed, ...rest } = readConfigFile(file);
      if (removed !== undefined) writeConfigFile(file, rest);
      if (ctx.out.json) return ctx.out.data({ key, removed: removed !== undefined, file });
      ctx.out.line(removed === undefined ? `${key} was not set in ${file}` : `unset ${key}`);
    });

  config.command('list')
    .description('print every setting with its value in effect')
    .option(SHOW_ORIGIN, SHOW_ORIGIN_HELP)
    .action((opts: { showOrigin?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.rawHome();
      const entries = CONFIG.map((d) => entryOf(home, d));
      if (ctx.out.json) return ctx.out.data(entries);
      const width = Math.max(...entries.map((e) => e.source.length));
      for (const e of entries) {
        const line = `${e.key} = ${e.value === null ? '' : JSON.stringify(e.value)}`;
        ctx.out.line(opts.showOrigin ? `${e.source.padEnd(width)}  ${line}` : line);
      }
    });
}

/**
 * The config file, found without loading the config: `set` and `unset` must work when a value in the file or
 * the environment is invalid, since they are how it gets fixed.
 */
function configFile(home: string | undefined): string {
  return resolvePaths({ home }).configFile;
}

/** A value given on the command line, checked against its key's type: a bad one is a usage error. */
function checked(key: string, raw: string): ConfigValue {
  try {
    return coerce(key, raw, 'the command line');
  } catch (e) {
    if (!(e instanceof LoglineError)) throw e;
    throw new LoglineError(e.code, e.message, { hint: e.hint, exitCode: EXIT.USAGE });
  }
}

function entryOf(home: Home, def: ConfigDefinition): ConfigEntry {
  const origin = home.config.origin(def.name);
  return {
    key: def.name,
    value: home.config.get(def.name),
    origin,
    source: sourceOf(origin, def, home),
    type: def.type,
    default: def.default,
    env: def.env,
  };
}

function sourceOf(origin: string, def: ConfigDefinition, home: Home): string {
  if (origin === 'file') return `file:${home.paths.configFile}`;
  if (origin === 'env') return `env:${def.env}`;
  if (origin === 'flag') return `flag:${def.flag ?? `--${def.name}`}`;
  return 'default';
}

function show(value: ConfigValue): string {
  return value === null ? '' : String(value);
}

/**
 * The commander tree as plain data, the one source that completions and man pages are generated from: every
 * command with its description, arguments, options and the text it adds after its help.
 */
import type { EventEmitter } from 'node:events';
import type { Argument, Command, Option } from 'commander';
import { collect } from '../parse.js';

export interface OptionSpec {
  /** `-q`, `--quiet`: every spelling. */
  names: string[];
  description: string;
  /** The value's name (`dir` in `--home <dir>`), when the option takes one. */
  value?: string;
  choices?: readonly string[];
  /** Given more than once (`--tag a --tag b`). */
  repeatable: boolean;
  /** What the value completes to: a file, a folder, or words. */
  completes: 'file' | 'dir' | 'choices' | 'none';
}

export interface ArgumentSpec {
  name: string;
  description: string;
  required: boolean;
  variadic: boolean;
  choices?: readonly string[];
  completes: 'file' | 'choices' | 'none';
}

export interface CommandSpec {
  /** Words from the root: [] for logline itself, ['node', 'start'] for `logline node start`. */
  path: string[];
  description: string;
  args: ArgumentSpec[];
  /** Options of this command only (the root's options are global: they apply under every command). */
  options: OptionSpec[];
  commands: CommandSpec[];
  /** Text added after the help (examples, notes), without its leading blank line. */
  after: string;
}

/** The tree from a built program (`buildProgram()`), commands in registration order. */
export function commandTree(program: Command, path: string[] = []): CommandSpec {
  const help = program.createHelp();
  return {
    path,
    description: program.description(),
    args: program.registeredArguments.map(argumentSpec),
    options: help.visibleOptions(program).map(optionSpec),
    commands: program.commands.map((c) => commandTree(c, [...path, c.name()])),
    after: afterHelp(program),
  };
}

/** The root's options that apply under every command (help and version are the root's own). */
export function globalOptions(root: CommandSpec): OptionSpec[] {
  return root.options.filter((o) => !o.names.includes('--help') && !o.names.includes('--version'));
}

/** Every command of the tree, depth first, the root first. */
export function allCommands(root: CommandSpec): CommandSpec[] {
  return [root, ...root.commands.flatMap(allCommands)];
}

function optionSpec(o: Option): OptionSpec {
  const value = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
  const takes = o.required || o.optional;
  return {
    names: [o.short, o.long].filter((n): n is string => n !== undefined),
    description: o.description,
    value: takes ? value ?? 'value' : undefined,
    choices: o.argChoices,
    repeatable: o.variadic || o.parseArg === (collect as unknown),
    completes: !takes ? 'none' : o.argChoices ? 'choices' : kindOf(value),
  };
}

function argumentSpec(a: Argument): ArgumentSpec {
  const kind = kindOf(a.name());
  return {
    name: a.name(),
    description: a.description,
    required: a.required,
    variadic: a.variadic,
    choices: a.argChoices,
    completes: a.argChoices ? 'choices' : kind === 'dir' ? 'file' : kind,
  };
}

function kindOf(valueName: string | undefined): 'file' | 'dir' | 'none' {
  if (valueName === undefined) return 'none';
  if (/(^|-)dir$/.test(valueName)) return 'dir';
  return /(^|-)file$/.test(valueName) ? 'file' : 'none';
}

/** The text `addHelpText('after', …)` registered, captured the way commander writes it. */
function afterHelp(cmd: Command): string {
  let text = '';
  // commander's Command is an EventEmitter; its typings do not say so
  (cmd as unknown as EventEmitter).emit('afterHelp', { error: false, command: cmd, write: (s: string) => { text += s; } });
  return text.replace(/^\n+/, '').trimEnd();
}

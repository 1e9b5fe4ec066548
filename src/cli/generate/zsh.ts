import { allCommands, globalOptions, type ArgumentSpec, type CommandSpec, type OptionSpec } from './tree.js';

const HEADER = `#compdef logline
# zsh completion for logline. Generated from the command tree by \`npm run generate\` (also printed by
# \`logline completion zsh\`); do not edit. Install: copy it as _logline into a folder of $fpath, or
# \`source <(logline completion zsh)\` after compinit.`;

/** Inside single quotes. */
const sq = (s: string) => s.replace(/'/g, `'\\''`);
/** A description inside `[…]` of an _arguments spec. */
// escape for zsh first, then quote for the shell: quoting first would turn the quote's backslash into \\
const desc = (s: string) => sq(s.replace(/([[\]\\])/g, '\\$1'));
/** A message or value name between colons. */
const msg = (s: string) => sq(s.replace(/:/g, '\\:'));
const fn = (path: string[]) => ['_logline', ...path].join('_').replace(/[^A-Za-z0-9_]/g, '_');

/** The zsh completion script: one function per command, each an `_arguments` call (after git's and docker's). */
export function zshCompletion(root: CommandSpec): string {
  const functions = allCommands(root).map((c) => commandFunction(c, c.path.length === 0 ? c.options : [...c.options, ...globalOptions(root)]));
  return `${HEADER}

${functions.join('\n\n')}

if [ "$funcstack[1]" = "_logline" ]; then
  _logline "$@"
else
  compdef _logline logline
fi
`;
}

function commandFunction(c: CommandSpec, options: OptionSpec[]): string {
  const specs = [...options.map(optionSpec), ...c.args.map(argumentSpec)];
  if (c.commands.length === 0) return `${fn(c.path)}() {\n  _arguments -s \\\n    ${specs.join(' \\\n    ')}\n}`;
  const names = c.commands.map((s) => `'${msg(s.path.at(-1)!)}:${sq(s.description)}'`);
  const cases = c.commands.map((s) => `        ${s.path.at(-1)}) ${fn(s.path)} ;;`);
  return `${fn(c.path)}() {
  local curcontext="$curcontext" state line
  typeset -A opt_args
  _arguments -C -s \\
    ${[...specs, "'1: :->command'", "'*:: :->argument'"].join(' \\\n    ')}
  case $state in
    command)
      local -a commands=(
        ${names.join('\n        ')}
      )
      _describe -t commands '${['logline', ...c.path].join(' ')} command' commands ;;
    argument)
      case $line[1] in
${cases.join('\n')}
      esac ;;
  esac
}`;
}

function optionSpec(o: OptionSpec): string {
  const value = o.value === undefined ? '' : `=[${desc(o.description)}]:${msg(o.value)}:${action(o.completes, o.choices)}`;
  const text = o.value === undefined ? `[${desc(o.description)}]` : value;
  if (o.repeatable) return o.names.map((n) => `'*${n}${text}'`).join(' ');
  if (o.names.length === 1) return `'${o.names[0]}${text}'`;
  return `'(${o.names.join(' ')})'{${o.names.join(',')}}'${text}'`;
}

function argumentSpec(a: ArgumentSpec, i: number): string {
  const position = a.variadic ? '*' : a.required ? String(i + 1) : `${i + 1}:`;
  return `'${position}:${msg(a.name)}:${action(a.completes, a.choices)}'`;
}

function action(kind: OptionSpec['completes'], choices: readonly string[] | undefined): string {
  if (kind === 'choices') return `(${choices!.map(sq).join(' ')})`;
  if (kind === 'file') return '_files';
  if (kind === 'dir') return '_files -/';
  return ' ';
}

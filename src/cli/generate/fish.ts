import { allCommands, globalOptions, type CommandSpec, type OptionSpec } from './tree.js';

const HEADER = `# fish completion for logline. Generated from the command tree by \`npm run generate\` (also printed by
# \`logline completion fish\`); do not edit. Install: copy it to ~/.config/fish/completions/logline.fish`;

/** A single-quoted fish word. */
const q = (s: string) => `'${s.replace(/[\\']/g, '\\$&')}'`;

/**
 * The fish completion script: \`__logline_path\` finds the command typed so far (skipping flags and their
 * values), and every completion is conditioned on it.
 */
export function fishCompletion(root: CommandSpec): string {
  const commands = allCommands(root);
  const subsCases = commands.filter((c) => c.commands.length > 0)
    .map((c) => `        case ${q(c.path.join(' '))}\n            printf '%s\\n' ${c.commands.map((s) => q(s.path.at(-1)!)).join(' ')}`);
  const valuedCases = commands.filter((c) => c.path.length > 0 && c.options.some((o) => o.value !== undefined))
    .map((c) => `        case ${q(c.path.join(' '))}\n            printf '%s\\n' ${valuedNames(c.options).join(' ')}`);
  const globals = new Set(globalOptions(root));
  const lines: string[] = [];
  for (const c of commands) {
    const at = `-n '__logline_at ${q(c.path.join(' ')).replace(/'/g, '\\\'')}'`;
    for (const s of c.commands) lines.push(`complete -c logline ${at} -a ${q(s.path.at(-1)!)} -d ${q(s.description)}`);
    const first = c.args[0];
    if (first?.completes === 'choices') lines.push(`complete -c logline ${at} -a ${q(first.choices!.join(' '))}`);
    if (first?.completes === 'file') lines.push(`complete -c logline ${at} -F`);
    for (const o of c.options) lines.push(optionLine(o, globals.has(o) ? '' : ` ${at}`));
  }
  return `${HEADER}

# the subcommands of a command
function __logline_subs
    switch "$argv[1]"
${subsCases.join('\n')}
    end
end

# the flags of a command that take a value (the global ones included)
function __logline_valued
    printf '%s\\n' ${valuedNames(root.options).join(' ')}
    switch "$argv[1]"
${valuedCases.join('\n')}
    end
end

# the command typed so far, e.g. "node start"
function __logline_path
    set -l path ''
    set -l skip 0
    for w in (commandline -opc)[2..-1]
        if test $skip -eq 1
            set skip 0
        else if string match -q -- '-*' $w
            contains -- $w (__logline_valued $path); and set skip 1
        else if contains -- $w (__logline_subs $path)
            set path (string trim -- "$path $w")
        end
    end
    echo $path
end

function __logline_at
    set -l path (__logline_path)
    test "$path" = "$argv[1]"
end

complete -c logline -f
${lines.join('\n')}
`;
}

function valuedNames(options: OptionSpec[]): string[] {
  return options.filter((o) => o.value !== undefined).flatMap((o) => o.names).map(q);
}

function optionLine(o: OptionSpec, condition: string): string {
  const names = o.names.map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(' ');
  let value = '';
  if (o.completes === 'choices') value = ` -x -a ${q(o.choices!.join(' '))}`;
  else if (o.completes === 'file') value = ' -r -F';
  else if (o.completes === 'dir') value = ` -x -a '(__fish_complete_directories)'`;
  else if (o.value !== undefined) value = ' -x';
  return `complete -c logline${condition} ${names}${value} -d ${q(o.description)}`;
}

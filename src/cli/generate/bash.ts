import { allCommands, globalOptions, type CommandSpec, type OptionSpec } from './tree.js';

const HEADER = `# bash completion for logline                                    -*- shell-script -*-
# Generated from the command tree by \`npm run generate\` (also printed by \`logline completion bash\`); do not edit.
# Install: source this file from ~/.bashrc, or copy it to ~/.local/share/bash-completion/completions/logline`;

/** A single-quoted bash word. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The bash completion script: \`_logline_spec PATH\` tells the subcommands, flags, flags that take a value and
 * first-argument words of each command; \`_logline\` walks the words typed so far to find the command.
 */
export function bashCompletion(root: CommandSpec): string {
  const globals = globalOptions(root);
  const specs = allCommands(root).map((c) => {
    const options = c.path.length === 0 ? root.options : [...c.options, ...globals];
    const first = c.args[0];
    const args = first?.completes === 'choices' ? first.choices!.join(' ') : first?.completes === 'file' ? '@file' : '';
    return `    ${q(c.path.join(' '))})
      subs=${q(c.commands.map((s) => s.path.at(-1)!).join(' '))}
      flags=${q(options.flatMap((o) => o.names).join(' '))}
      valued=${q(options.filter((o) => o.value !== undefined).flatMap((o) => o.names).join(' '))}
      args=${q(args)} ;;`;
  });
  // a command's own options first: the global patterns (any command) match last
  const ordered = [...allCommands(root).slice(1), root];
  const values = ordered.flatMap((c) => c.options.filter((o) => o.completes !== 'none').map((o) => valueCase(c, o)));
  return `${HEADER}

_logline_spec() {
  subs='' flags='' valued='' args=''
  case "$1" in
${specs.join('\n')}
  esac
}

# the words the value of option $2 of command $1 can take; @file and @dir complete paths
_logline_values() {
  case "$1|$2" in
${values.join('\n')}
  esac
}

_logline() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path='' w i npos=0 after_value=0
  local subs flags valued args
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    _logline_spec "$path"
    if [[ "$w" == -* ]]; then
      if [[ "$w" != *=* && " $valued " == *" $w "* ]]; then
        ((i++))
        [[ $i -eq $COMP_CWORD ]] && prev="$w"
      fi
    elif [[ $npos -eq 0 && " $subs " == *" $w "* ]]; then
      path="\${path:+$path }$w"
    else
      ((npos++))
    fi
  done
  _logline_spec "$path"
  if [[ -n "$prev" ]]; then
    local vals
    vals="$(_logline_values "$path" "$prev")"
    case "$vals" in
      @file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
      @dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
      *) COMPREPLY=($(compgen -W "$vals" -- "$cur")) ;;
    esac
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [[ $npos -eq 0 && -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  elif [[ $npos -eq 0 && "$args" == @file ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ $npos -eq 0 && -n "$args" ]]; then
    COMPREPLY=($(compgen -W "$args" -- "$cur"))
  fi
  return 0
}

complete -F _logline logline
`;
}

function valueCase(c: CommandSpec, o: OptionSpec): string {
  const scope = c.path.length === 0 ? '*' : q(c.path.join(' '));
  const pattern = o.names.map((n) => `${scope}'|${n}'`).join('|');
  const words = o.completes === 'choices' ? o.choices!.join(' ') : `@${o.completes}`;
  return `    ${pattern}) echo ${q(words)} ;;`;
}

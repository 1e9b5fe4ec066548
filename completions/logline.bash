# bash completion for logline                                    -*- shell-script -*-
# Generated from the command tree by `npm run generate` (also printed by `logline completion bash`); do not edit.
# Install: source this file from ~/.bashrc, or copy it to ~/.local/share/bash-completion/completions/logline

_logline_spec() {
  subs='' flags='' valued='' args=''
  case "$1" in
    '')
      subs='backup completion config doctor export id import init invite join log member node paths peer plugin restore rules run schedule search span sync tail task tenant timeline token top verify version'
      flags='-V --version --home --tenant --json -q --quiet --no-color --passphrase-file -h --help'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'backup')
      subs=''
      flags='--keys --force -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='@file' ;;
    'completion')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='bash zsh fish' ;;
    'config')
      subs='get set unset list'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'config get')
      subs=''
      flags='--show-origin -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='identity tenant daemon http listen bootstrap mdns token_rate token_body_limit task_concurrency task_exec_tenants plugins' ;;
    'config set')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='identity tenant daemon http listen bootstrap mdns token_rate token_body_limit task_concurrency task_exec_tenants plugins' ;;
    'config unset')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='identity tenant daemon http listen bootstrap mdns token_rate token_body_limit task_concurrency task_exec_tenants plugins' ;;
    'config list')
      subs=''
      flags='--show-origin -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'doctor')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'export')
      subs=''
      flags='--author --since --until --status --tag --contract --workflow --flow --all-tenants -o --output --format -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--author --since --until --status --tag --contract --workflow --flow -o --output --format --home --tenant --passphrase-file'
      args='' ;;
    'id')
      subs='show create use list'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'id show')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'id create')
      subs=''
      flags='--handle -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--handle --home --tenant --passphrase-file'
      args='' ;;
    'id use')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'id list')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'import')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='@file' ;;
    'init')
      subs=''
      flags='--handle --join -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--handle --join --home --tenant --passphrase-file'
      args='' ;;
    'invite')
      subs='create'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'invite create')
      subs=''
      flags='--role --ttl --as -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--role --ttl --as --home --tenant --passphrase-file'
      args='' ;;
    'join')
      subs=''
      flags='--handle -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--handle --home --tenant --passphrase-file'
      args='' ;;
    'log')
      subs=''
      flags='--status --kind --visibility --data --meta --tag --contract --workflow --flow --caused-by --related --delta --as -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--status --kind --visibility --data --meta --tag --contract --workflow --flow --caused-by --related --delta --as --home --tenant --passphrase-file'
      args='' ;;
    'member')
      subs='add remove role list'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'member add')
      subs=''
      flags='--role --handle --as -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--role --handle --as --home --tenant --passphrase-file'
      args='' ;;
    'member remove')
      subs=''
      flags='--as -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--as --home --tenant --passphrase-file'
      args='' ;;
    'member role')
      subs=''
      flags='--as -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--as --home --tenant --passphrase-file'
      args='' ;;
    'member list')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'node')
      subs='start stop restart status install-service'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'node start')
      subs=''
      flags='--foreground --http --listen -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--http --listen --home --tenant --passphrase-file'
      args='' ;;
    'node stop')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'node restart')
      subs=''
      flags='--http --listen -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--http --listen --home --tenant --passphrase-file'
      args='' ;;
    'node status')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'node install-service')
      subs=''
      flags='--force --stdout -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'paths')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'peer')
      subs='add trust untrust remove list'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'peer add')
      subs=''
      flags='--trust -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--trust --home --tenant --passphrase-file'
      args='' ;;
    'peer trust')
      subs=''
      flags='--trust -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--trust --home --tenant --passphrase-file'
      args='' ;;
    'peer untrust')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'peer remove')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'peer list')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'plugin')
      subs='list'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'plugin list')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'restore')
      subs=''
      flags='--keys -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='@file' ;;
    'rules')
      subs='add list show history disable test'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'rules add')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'rules list')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'rules show')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'rules history')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'rules disable')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'rules test')
      subs=''
      flags='--span --phase -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--span --phase --home --tenant --passphrase-file'
      args='' ;;
    'run')
      subs=''
      flags='--title --status --kind --visibility --data --meta --tag --contract --workflow --flow --caused-by --related --delta --as -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--title --status --kind --visibility --data --meta --tag --contract --workflow --flow --caused-by --related --delta --as --home --tenant --passphrase-file'
      args='' ;;
    'schedule')
      subs='add list remove'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'schedule add')
      subs=''
      flags='--tz --payload --priority --retries --backoff --backoff-max --timeout --on-crash -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--tz --payload --priority --retries --backoff --backoff-max --timeout --on-crash --home --tenant --passphrase-file'
      args='' ;;
    'schedule list')
      subs=''
      flags='--all-tenants -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'schedule remove')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'search')
      subs=''
      flags='--author --since --until --status --tag --contract --workflow --flow --all-tenants --limit --cursor --ndjson -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--author --since --until --status --tag --contract --workflow --flow --limit --cursor --home --tenant --passphrase-file'
      args='' ;;
    'span')
      subs='show'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'span show')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'sync')
      subs=''
      flags='--peer -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--peer --home --tenant --passphrase-file'
      args='' ;;
    'tail')
      subs=''
      flags='--author --since --until --status --tag --contract --workflow --flow --all-tenants -n --lines -f --follow -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--author --since --until --status --tag --contract --workflow --flow -n --lines --home --tenant --passphrase-file'
      args='' ;;
    'task')
      subs='add list show cancel retry'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'task add')
      subs=''
      flags='--at --caused-by --payload --priority --retries --backoff --backoff-max --timeout --on-crash -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--at --caused-by --payload --priority --retries --backoff --backoff-max --timeout --on-crash --home --tenant --passphrase-file'
      args='' ;;
    'task list')
      subs=''
      flags='--status --type --limit --all-tenants -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--status --type --limit --home --tenant --passphrase-file'
      args='' ;;
    'task show')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'task cancel')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'task retry')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'tenant')
      subs='create list show'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'tenant create')
      subs=''
      flags='--as -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--as --home --tenant --passphrase-file'
      args='' ;;
    'tenant list')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'tenant show')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'timeline')
      subs=''
      flags='--author --since --until --status --tag --contract --workflow --flow --all-tenants --limit --cursor --ndjson -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--author --since --until --status --tag --contract --workflow --flow --limit --cursor --home --tenant --passphrase-file'
      args='' ;;
    'token')
      subs='create list revoke'
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'token create')
      subs=''
      flags='--role --ttl --as -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--role --ttl --as --home --tenant --passphrase-file'
      args='' ;;
    'token list')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'token revoke')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'top')
      subs=''
      flags='--interval -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--interval --home --tenant --passphrase-file'
      args='' ;;
    'verify')
      subs=''
      flags='--all -h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
    'version')
      subs=''
      flags='-h --help --home --tenant --json -q --quiet --no-color --passphrase-file'
      valued='--home --tenant --passphrase-file'
      args='' ;;
  esac
}

# the words the value of option $2 of command $1 can take; @file and @dir complete paths
_logline_values() {
  case "$1|$2" in
    'export''|--status') echo 'executed simulated reverted ghost' ;;
    'export''|-o'|'export''|--output') echo '@file' ;;
    'export''|--format') echo 'ndjson otlp' ;;
    'invite create''|--role') echo 'owner admin member viewer' ;;
    'log''|--status') echo 'executed simulated reverted ghost' ;;
    'log''|--kind') echo 'user system organization ghost' ;;
    'log''|--visibility') echo 'organization public private' ;;
    'member add''|--role') echo 'owner admin member viewer' ;;
    'peer add''|--trust') echo 'full read' ;;
    'peer trust''|--trust') echo 'full read' ;;
    'rules test''|--phase') echo 'admission reaction' ;;
    'run''|--status') echo 'executed simulated reverted ghost' ;;
    'run''|--kind') echo 'user system organization ghost' ;;
    'run''|--visibility') echo 'organization public private' ;;
    'schedule add''|--priority') echo 'critical high normal low' ;;
    'schedule add''|--on-crash') echo 'retry fail' ;;
    'search''|--status') echo 'executed simulated reverted ghost' ;;
    'tail''|--status') echo 'executed simulated reverted ghost' ;;
    'task add''|--priority') echo 'critical high normal low' ;;
    'task add''|--on-crash') echo 'retry fail' ;;
    'timeline''|--status') echo 'executed simulated reverted ghost' ;;
    'token create''|--role') echo 'reader writer' ;;
    *'|--home') echo '@dir' ;;
    *'|--passphrase-file') echo '@file' ;;
  esac
}

_logline() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" path='' w i npos=0 after_value=0
  local subs flags valued args
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    _logline_spec "$path"
    if [[ "$w" == -* ]]; then
      if [[ "$w" != *=* && " $valued " == *" $w "* ]]; then
        ((i++))
        [[ $i -eq $COMP_CWORD ]] && prev="$w"
      fi
    elif [[ $npos -eq 0 && " $subs " == *" $w "* ]]; then
      path="${path:+$path }$w"
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

/**
 * Man pages from the command tree and the config table: logline(1), one page per noun (logline-node(1), …)
 * and logline-config(5) for the settings.
 */
import { CONFIG } from '../../config/definitions.js';
import { arg, bold, esc, italic, line, tagged, title, verbatim } from './roff.js';
import { globalOptions, type ArgumentSpec, type CommandSpec, type OptionSpec } from './tree.js';

/** Environment variables that are not config keys. */
const ENVIRONMENT: [string, string][] = [
  ['LOGLINE_HOME', 'use one folder for config, data, state and runtime (as --home)'],
  ['LOGLINE_PASSPHRASE', 'the passphrase of encrypted key files (as --passphrase-file)'],
  ['NO_COLOR', 'never colour the output (as --no-color)'],
  ['XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_STATE_HOME, XDG_RUNTIME_DIR', 'where the config, data, state and runtime folders go without --home'],
];

const EXIT_STATUS: [string, string][] = [
  ['0', 'success'], ['1', 'an error (the message names its code, and a hint follows)'],
  ['2', 'a usage error: a bad flag, argument or value'], ['3', 'the daemon is needed and does not run or answer'],
];

/** Every page by file name (`logline.1`, `logline-node.1`, …, `logline-config.5`). */
export function manPages(root: CommandSpec, version: string): Record<string, string> {
  const pages: Record<string, string> = { 'logline.1': mainPage(root, version) };
  for (const noun of root.commands) pages[`logline-${noun.path[0]}.1`] = nounPage(noun, root, version);
  pages['logline-config.5'] = configPage(version);
  return pages;
}

function mainPage(root: CommandSpec, version: string): string {
  return page([
    title('logline', 1, version),
    '.SH NAME', `logline \\- ${esc(root.description)}`,
    '.SH SYNOPSIS', `${bold('logline')} [${italic('global options')}] ${italic('command')} [${italic('options')}] [${italic('arguments')}]`,
    '.SH DESCRIPTION',
    line('logline keeps a signed, append-only timeline of spans in SQLite and replicates it between trusted peers.'),
    line('With the daemon running (logline node start), commands go through its local API; without it, they open the store in-process.'),
    line('stdout carries only the result; notes, progress and errors go to stderr. With --json, results are JSON.'),
    '.SH GLOBAL OPTIONS', ...root.options.map(optionItem),
    '.SH COMMANDS', ...root.commands.map((c) => tagged(bold(`logline ${c.path[0]}`), `${c.description}. See logline-${c.path[0]}(1).`)),
    '.SH ENVIRONMENT',
    ...ENVIRONMENT.map(([name, text]) => tagged(bold(name), text)),
    ...CONFIG.map((d) => tagged(bold(d.env), `the config key ${d.name}: ${d.description}`)),
    '.SH FILES',
    tagged(italic('$XDG_CONFIG_HOME/logline/config.toml'), 'the config file (see logline-config(5)); config/config.toml under --home'),
    tagged(italic('$XDG_CONFIG_HOME/logline/keys/'), 'key files, mode 0600'),
    tagged(italic('$XDG_DATA_HOME/logline/logline.db'), 'the SQLite store'),
    tagged(italic('$XDG_RUNTIME_DIR/logline/node.sock'), 'the daemon\'s local API socket'),
    '.SH EXIT STATUS', ...EXIT_STATUS.map(([code, text]) => tagged(bold(code), text)),
    '.SH SEE ALSO', seeAlso([...root.commands.map((c) => `logline-${c.path[0]}(1)`), 'logline-config(5)']),
  ]);
}

function nounPage(noun: CommandSpec, root: CommandSpec, version: string): string {
  const name = `logline-${noun.path[0]}`;
  const leaves = noun.commands.length === 0 ? [noun] : noun.commands;
  const parts = [
    title(name, 1, version),
    '.SH NAME', `${esc(name)} \\- ${esc(noun.description)}`,
    '.SH SYNOPSIS', '.nf', ...leaves.map(usage), '.fi',
    '.SH DESCRIPTION', line(`${capital(noun.description)}.`),
  ];
  if (noun.commands.length === 0) {
    parts.push(...details(noun));
  } else {
    if (noun.after) parts.push(verbatim(noun.after));
    parts.push('.SH COMMANDS');
    for (const c of noun.commands) parts.push(`.SS ${arg(`logline ${c.path.join(' ')}`)}`, line(`${capital(c.description)}.`), ...details(c));
  }
  parts.push(
    '.SH GLOBAL OPTIONS',
    line(`Every command also takes the global options of logline(1): ${globalOptions(root).flatMap((o) => o.names.filter((n) => n.startsWith('--'))).join(', ')}.`),
    '.SH SEE ALSO', seeAlso(['logline(1)', 'logline-config(5)']),
  );
  return page(parts);
}

/** Arguments, options and the added help text of one command. */
function details(c: CommandSpec): string[] {
  const out: string[] = [];
  if (c.args.length > 0) out.push('.TP', '.B Arguments', '.PD 0', ...c.args.map(argumentItem), '.PD');
  const own = c.options.filter((o) => !o.names.includes('--help'));
  if (own.length > 0) out.push('.PP', '.B Options', ...own.map(optionItem));
  if (c.after) out.push(verbatim(c.after));
  return out;
}

function configPage(version: string): string {
  const example = CONFIG.filter((d) => d.default !== null).slice(0, 3).map((d) => `${d.name} = ${JSON.stringify(d.default)}`);
  return page([
    title('logline-config', 5, version),
    '.SH NAME', 'logline\\-config \\- the settings of logline and its config file',
    '.SH SYNOPSIS', italic('$XDG_CONFIG_HOME/logline/config.toml'), '.br', italic('HOME/config/config.toml'), line('with --home HOME or LOGLINE_HOME'),
    '.SH DESCRIPTION',
    line('A setting is taken from, in order of precedence: a command-line flag, its environment variable, the config file, and its default.'),
    line('The config file is TOML, one key = value per line. logline config get, set, unset and list read and change it; list --show-origin tells where each value comes from.'),
    line('A value of the wrong type, or out of range, is refused with an error that names the key and where the value came from (the flag, the environment variable, or the file).'),
    '.SH SETTINGS',
    ...CONFIG.flatMap((d) => [
      `.TP\n${bold(d.name)} (${italic(d.type)})`, line(`${capital(d.description)}.`), '.br',
      line(`Default: ${d.default === null ? 'unset' : String(d.default)}. Environment: ${d.env}.${d.flag ? ` Flag: ${d.flag}.` : ''}`),
    ]),
    '.SH EXAMPLE', verbatim(`# config.toml\n${example.join('\n')}\n\n$ logline config set tenant acme\n$ logline config list --show-origin`),
    '.SH SEE ALSO', seeAlso(['logline(1)', 'logline-config(1)']),
  ]);
}

function usage(c: CommandSpec): string {
  const args = c.args.map((a) => (a.required ? `<${a.name}${a.variadic ? '...' : ''}>` : `[${a.name}${a.variadic ? '...' : ''}]`)).map(italic);
  return [bold(`logline ${c.path.join(' ')}`), ...(c.options.length > 1 ? [`[${italic('options')}]`] : []), ...args].join(' ');
}

function optionItem(o: OptionSpec): string {
  const names = o.names.map(bold).join(', ');
  const value = o.value === undefined ? '' : ` ${italic(o.value)}`;
  const choices = o.choices ? ` One of: ${o.choices.join(', ')}.` : '';
  return tagged(`${names}${value}`, `${capital(o.description)}.${choices}${o.repeatable && !/repeatable/.test(o.description) ? ' May be given more than once.' : ''}`);
}

function argumentItem(a: ArgumentSpec): string {
  const choices = a.choices ? ` One of: ${a.choices.join(', ')}.` : '';
  return tagged(italic(a.name), `${capital(a.description)}${a.required ? '' : ' (optional)'}.${choices}`);
}

function seeAlso(refs: string[]): string {
  return refs.map((r) => { const m = /^(.*)\((\d)\)$/.exec(r)!; return `${bold(m[1])}(${m[2]})`; }).join(',\n');
}

/** A sentence's first letter in capitals, unless the first word is a name written in lower case (libp2p, did:key). */
function capital(s: string): string {
  return /^[a-z]+[\d:]/.test(s) ? s : s.charAt(0).toUpperCase() + s.slice(1);
}

function page(parts: string[]): string {
  return `.\\" Generated from the command tree and the config table by \`npm run generate\`; do not edit.\n${parts.join('\n')}\n`;
}

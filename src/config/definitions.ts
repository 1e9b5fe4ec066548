/**
 * The one table of configuration (after npm/cli): each entry drives the config file, its `LOGLINE_*` env twin,
 * the help text of the flags that set it, `logline config`, completions and the man page logline-config(5).
 * Precedence: flag > env > file > default.
 */
export interface ConfigDefinition {
  name: string;
  type: 'string' | 'boolean' | 'number';
  default: string | boolean | number | null;
  env: string;
  description: string;
  /** The command-line flag that sets it for one command, when there is one (it wins over env and file). */
  flag?: string;
  validate?: (value: unknown) => string | null;
}

export const CONFIG: readonly ConfigDefinition[] = [
  {
    name: 'identity',
    type: 'string',
    default: null,
    env: 'LOGLINE_IDENTITY',
    description: 'handle of the identity that signs new spans',
  },
  {
    name: 'tenant',
    type: 'string',
    default: null,
    env: 'LOGLINE_TENANT',
    description: 'tenant that commands use when --tenant is not given',
    flag: '--tenant',
  },
  {
    name: 'daemon',
    type: 'boolean',
    default: true,
    env: 'LOGLINE_DAEMON',
    description: 'send commands through the running daemon when there is one (false: always in-process)',
  },
  {
    name: 'http',
    type: 'string',
    default: null,
    env: 'LOGLINE_HTTP',
    description: 'host:port of the daemon\'s token-authenticated HTTP listener (off when unset)',
    flag: 'node start --http',
  },
  {
    name: 'listen',
    type: 'string',
    default: '/ip4/0.0.0.0/tcp/4141',
    env: 'LOGLINE_LISTEN',
    description: 'libp2p listen multiaddrs of the daemon, comma-separated ("off": no peer-to-peer)',
    flag: 'node start --listen',
  },
  {
    name: 'bootstrap',
    type: 'string',
    default: null,
    env: 'LOGLINE_BOOTSTRAP',
    description: 'multiaddrs (ending in /p2p/<peer id>) where trusted peers can be reached, comma-separated',
  },
  {
    name: 'mdns',
    type: 'boolean',
    default: false,
    env: 'LOGLINE_MDNS',
    description: 'find peers on the local network with mDNS (only trusted ones are synced with)',
  },
  {
    name: 'token_rate',
    type: 'number',
    default: 100,
    env: 'LOGLINE_TOKEN_RATE',
    description: 'requests per second allowed per API token on the HTTP listener (bursts of twice that)',
    validate: (v) => (typeof v === 'number' && v > 0 ? null : 'must be a number above 0'),
  },
  {
    name: 'token_body_limit',
    type: 'number',
    default: 1048576,
    env: 'LOGLINE_TOKEN_BODY_LIMIT',
    description: 'largest request body, in bytes, accepted from an API token',
    validate: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1024 ? null : 'must be an integer of at least 1024'),
  },
  {
    name: 'task_concurrency',
    type: 'number',
    default: 8,
    env: 'LOGLINE_TASK_CONCURRENCY',
    description: 'tasks the daemon runs at once, across all tenants',
    validate: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1024 ? null : 'must be an integer from 1 to 1024'),
  },
  {
    name: 'task_exec_tenants',
    type: 'string',
    default: null,
    env: 'LOGLINE_TASK_EXEC_TENANTS',
    description: 'tenants whose exec tasks may run commands on this node, comma-separated ("*": all); exec is off when unset',
  },
  {
    name: 'plugins',
    type: 'string',
    default: null,
    env: 'LOGLINE_PLUGINS',
    description: 'user plugins to load after the first-party ones, comma-separated: ES module files (absolute, or relative to the config file) or package names; restart the daemon after a change',
  },
];

export function definition(name: string): ConfigDefinition | undefined {
  return CONFIG.find((d) => d.name === name);
}

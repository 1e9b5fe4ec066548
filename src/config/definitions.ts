/**
 * The one table of configuration (after npm/cli): each entry drives the config file, its `LOGLINE_*` env twin,
 * and help text. Precedence: flag > env > file > default.
 */
export interface ConfigDefinition {
  name: string;
  type: 'string' | 'boolean' | 'number';
  default: string | boolean | number | null;
  env: string;
  description: string;
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
  },
];

export function definition(name: string): ConfigDefinition | undefined {
  return CONFIG.find((d) => d.name === name);
}

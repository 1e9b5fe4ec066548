import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { LoglineError } from '../errors/errors.js';
import { CONFIG, definition, type ConfigDefinition } from './definitions.js';

export type ConfigValue = string | boolean | number | null;
export type ConfigOrigin = 'flag' | 'env' | 'file' | 'default';

export interface Config {
  get(name: string): ConfigValue;
  origin(name: string): ConfigOrigin;
  /** Where the value in effect comes from, in words: `the environment variable LOGLINE_TENANT`. */
  source(name: string): string;
  /** The values written in the config file (what `set` changes). */
  fileValues: Record<string, ConfigValue>;
}

/** Reads the config file (absent is empty) and layers env and flags over it. */
export function loadConfig(file: string, flags: Record<string, ConfigValue | undefined> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const fileValues = readConfigFile(file);
  const values = new Map<string, { value: ConfigValue; origin: ConfigOrigin }>();
  for (const def of CONFIG) {
    let entry: { value: ConfigValue; origin: ConfigOrigin } = { value: def.default, origin: 'default' };
    if (def.name in fileValues) entry = { value: coerce(def.name, fileValues[def.name], sourceText(def, 'file', file)), origin: 'file' };
    const fromEnv = env[def.env];
    if (fromEnv !== undefined && fromEnv !== '') entry = { value: coerce(def.name, fromEnv, sourceText(def, 'env', file)), origin: 'env' };
    const fromFlag = flags[def.name];
    if (fromFlag !== undefined) entry = { value: coerce(def.name, fromFlag, sourceText(def, 'flag', file)), origin: 'flag' };
    values.set(def.name, entry);
  }
  const origin = (name: string) => values.get(name)?.origin ?? 'default';
  return {
    get: (name) => values.get(name)?.value ?? null,
    origin,
    source: (name) => {
      const def = definition(name);
      return def ? sourceText(def, origin(name), file) : 'the default';
    },
    fileValues,
  };
}

function sourceText(def: ConfigDefinition, origin: ConfigOrigin, file: string): string {
  if (origin === 'file') return `the config file ${file}`;
  if (origin === 'env') return `the environment variable ${def.env}`;
  if (origin === 'flag') return `the flag ${def.flag ?? `--${def.name}`}`;
  return 'the default';
}

/** The values written in a config file, unchecked against their types (absent is empty; bad TOML and unknown keys throw). */
export function readConfigFile(file: string): Record<string, ConfigValue> {
  if (!existsSync(file)) return {};
  let parsed: Record<string, unknown>;
  try {
    parsed = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LoglineError('CONFIG_INVALID', `the config file ${file} is not valid TOML: ${(e as Error).message}`, {
      hint: 'fix the file by hand, or move it aside to start from defaults',
    });
  }
  for (const key of Object.keys(parsed)) {
    if (definition(key) === undefined) {
      throw new LoglineError('CONFIG_UNKNOWN_KEY', `unknown key "${key}" in the config file ${file}`, { hint: `known keys: ${CONFIG.map((d) => d.name).join(', ')}` });
    }
  }
  return parsed as Record<string, ConfigValue>;
}

/** Checks a value against its definition's type, naming the key and where the value came from. */
export function coerce(name: string, value: unknown, source: string): ConfigValue {
  const def = definition(name);
  if (def === undefined) throw LoglineError.usage('CONFIG_UNKNOWN_KEY', `unknown config key "${name}"`, `known keys: ${CONFIG.map((d) => d.name).join(', ')}`);
  let out: ConfigValue;
  if (def.type === 'string' && typeof value === 'string') out = value;
  else if (def.type === 'number' && (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))))) out = Number(value);
  else if (def.type === 'boolean' && (typeof value === 'boolean' || value === 'true' || value === 'false')) out = value === true || value === 'true';
  else throw new LoglineError('CONFIG_INVALID', `${name} from ${source} is not a ${def.type}: ${JSON.stringify(value)}`, { hint: def.description });
  const problem = def.validate?.(out);
  if (problem) throw new LoglineError('CONFIG_INVALID', `${name} from ${source}: ${problem}`, { hint: def.description });
  return out;
}

/** Writes config file values atomically (temp file + rename). */
export function writeConfigFile(file: string, values: Record<string, ConfigValue>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const clean = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `# logline configuration — \`logline config list\` shows every key\n${stringify(clean)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

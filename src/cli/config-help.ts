import { CONFIG, definition } from '../config/definitions.js';

/**
 * The help line of a flag that sets a config key, from the definitions table: what it does (the table's
 * description unless `what` says it better for the flag), the key, its env twin and its default.
 */
export function configFlagHelp(name: string, what?: string): string {
  const def = definition(name);
  if (def === undefined) throw new Error(`no config key ${name}`);
  const dflt = def.default === null ? '' : `; default ${String(def.default)}`;
  return `${what ?? def.description} (config key ${def.name}, env ${def.env}${dflt})`;
}

/** Every key of the table as help text: name, type, default, env var and description. */
export function configKeysHelp(): string {
  const width = Math.max(...CONFIG.map((d) => d.name.length));
  const rows = CONFIG.map((d) => `  ${d.name.padEnd(width)}  ${d.type}, env ${d.env}${d.default === null ? '' : `, default ${String(d.default)}`}\n  ${' '.repeat(width)}  ${d.description}`);
  return `Keys:\n${rows.join('\n')}`;
}

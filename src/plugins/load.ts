import type { Config } from '../config/config.js';
import { LoglineError } from '../errors/errors.js';
import { pluginError, type PluginErrorCode } from './errors.js';
import { createHost, isPluginName } from './host.js';
import { PluginSet, type PluginFailure } from './registry.js';
import { configuredPlugins, firstPartyPlugins, type PluginEntry } from './sources.js';
import type { LoglinePlugin } from './types.js';

export interface LoadInit {
  config: Config;
  /** The config file: relative plugin paths are relative to its folder. */
  configFile: string;
  log?: (line: string) => void;
  /** The plugins to load instead of the first-party ones and the config's (tests). */
  entries?: PluginEntry[];
  /** How long one plugin's `register` may take (default REGISTER_TIMEOUT_MS). */
  registerTimeoutMs?: number;
}

/** A `register` that has not returned by then is skipped: the daemon must not wait for ever to be ready. */
export const REGISTER_TIMEOUT_MS = 10_000;

/**
 * Loads the first-party plugins, then the user plugins named in config, one after the other. A plugin that
 * cannot be imported, is malformed, throws in `register` or reuses a name is skipped and recorded as a failure
 * naming the plugin and its file: the node runs without it, and `node status` and `plugin list` show why.
 */
export async function loadPlugins(init: LoadInit): Promise<PluginSet> {
  const log = init.log ?? (() => {});
  const set = new PluginSet();
  const entries = init.entries ?? [...firstPartyPlugins(), ...configuredPlugins(init.config, init.configFile)];
  for (const entry of entries) {
    let name: string | null = null;
    const fail = (code: PluginErrorCode, e: unknown) => {
      const failure = failureOf(entry, name, code, e);
      set.failures.push(failure);
      log(`plugin ${name ?? entry.source} skipped: ${failure.code}: ${failure.message}`);
    };
    if (entry.missing) {
      fail('PLUGIN_NOT_FOUND', new Error(entry.missing));
      continue;
    }
    let plugin: LoglinePlugin;
    try {
      plugin = pluginOf(await import(entry.specifier));
    } catch (e) {
      fail(e instanceof LoglineError ? 'PLUGIN_INVALID' : 'PLUGIN_LOAD_FAILED', e);
      continue;
    }
    name = plugin.name;
    const { host, registrations, seal } = createHost({ plugin: plugin.name, config: init.config, log });
    try {
      await withTimeout(plugin.register(host), init.registerTimeoutMs ?? REGISTER_TIMEOUT_MS);
    } catch (e) {
      const code = e instanceof LoglineError && (e.code === 'PLUGIN_BAD_REGISTRATION' || e.code === 'PLUGIN_REGISTER_TIMEOUT') ? e.code : 'PLUGIN_REGISTER_FAILED';
      fail(code, e);
      continue;
    } finally {
      seal();
    }
    try {
      set.add(plugin.name, typeof plugin.version === 'string' ? plugin.version : null, { source: entry.source, origin: entry.origin }, registrations);
    } catch (e) {
      fail('PLUGIN_DUPLICATE', e);
    }
  }
  return set;
}

/** Waits for `register`, at most `ms`; a late rejection is handled (by the race), so it cannot crash the node. */
async function withTimeout(result: void | Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(pluginError('PLUGIN_REGISTER_TIMEOUT', `register(host) did not return within ${ms / 1000} s`)), ms);
  });
  try {
    await Promise.race([result, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The plugin a module exports: its default export, or the module itself. */
function pluginOf(mod: Record<string, unknown>): LoglinePlugin {
  const p = (mod.default ?? mod) as Partial<LoglinePlugin> | null;
  if (p === null || typeof p !== 'object') throw pluginError('PLUGIN_INVALID', 'the module exports no plugin object');
  if (!isPluginName(p.name)) throw pluginError('PLUGIN_INVALID', `its name ${JSON.stringify(p.name)} is not lower-case letters, digits and dashes`);
  if (typeof p.register !== 'function') throw pluginError('PLUGIN_INVALID', `the plugin ${p.name} has no register(host) function`);
  return p as LoglinePlugin;
}

function failureOf(entry: PluginEntry, plugin: string | null, code: PluginErrorCode, e: unknown): PluginFailure {
  const reason = e instanceof Error ? e.message : String(e);
  const inner = e instanceof LoglineError && e.code !== code ? `${e.code}: ` : '';
  const who = plugin === null ? `the plugin at ${entry.source}` : `the plugin ${plugin} (${entry.source})`;
  return { plugin, source: entry.source, origin: entry.origin, code, message: `${who}: ${inner}${reason}` };
}

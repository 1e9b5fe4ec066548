import { LoglineError } from '../errors/errors.js';

/** The plugin host's error codes, each with the remedy a user sees. */
export const PLUGIN_HINTS = {
  PLUGIN_NOT_FOUND: 'the config key `plugins` lists plugin files (absolute, or relative to the config file) or package names',
  PLUGIN_LOAD_FAILED: 'the module could not be imported: fix the error in the file, or remove it from the config key `plugins`',
  PLUGIN_INVALID: 'a plugin exports {name, version?, register(host)} as its default export; its name is lower-case letters, digits and dashes',
  PLUGIN_REGISTER_FAILED: 'the plugin threw in register(host): see the message; the node runs without it',
  PLUGIN_REGISTER_TIMEOUT: 'register(host) must register everything and return; the node runs without the plugin',
  PLUGIN_DUPLICATE: 'two plugins (or a plugin and logline) use one name: rename one, or remove one from the config key `plugins`',
  PLUGIN_BAD_REGISTRATION: 'see the plugin host API (`PluginHost` in the logline package) for what each registration takes',
  PLUGIN_ACTION_UNKNOWN: '`logline plugin list` shows the rule actions the loaded plugins register',
} as const;
export type PluginErrorCode = keyof typeof PLUGIN_HINTS;

export function pluginError(code: PluginErrorCode, message: string, details?: Record<string, unknown>): LoglineError {
  return new LoglineError(code, message, { hint: PLUGIN_HINTS[code], details });
}

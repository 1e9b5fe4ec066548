import { registerTaskType, taskTypes } from '../engine/types/index.js';
import type { TaskType } from '../engine/types/type.js';
import { ACTION_TYPES } from '../rules/action-doc.js';
import { pluginError } from './errors.js';
import type { PluginRoute, PluginRuleAction, SpanSink } from './types.js';

/** What one plugin asked for during `register`; applied all together, or not at all. */
export interface Registrations {
  taskTypes: TaskType[];
  ruleActions: PluginRuleAction[];
  routes: PluginRoute[];
  spanSinks: SpanSink[];
}

/** Where a plugin was loaded from: a first-party folder of the package, or the config key `plugins`. */
export interface PluginSource {
  /** The file imported (or the package name when it could not be resolved to one). */
  source: string;
  origin: 'first-party' | 'config';
}

/** A loaded plugin and what it registered, as `plugin list` and `node status` show it. */
export interface LoadedPlugin extends PluginSource {
  name: string;
  version: string | null;
  taskTypes: string[];
  ruleActions: string[];
  /** `GET /api/v1/plugins/<plugin>/…` */
  routes: string[];
  spanSinks: string[];
}

/** A plugin that was skipped: it failed to import, was malformed, threw in `register`, or reused a name. */
export interface PluginFailure extends PluginSource {
  /** null when the module could not be read far enough to know its name. */
  plugin: string | null;
  code: string;
  message: string;
}

export interface PluginReport {
  plugins: LoadedPlugin[];
  failures: PluginFailure[];
}

/** The prefix of a plugin's routes. */
export function routePrefix(plugin: string): string {
  return `/api/v1/plugins/${plugin}`;
}

/**
 * The plugins of one process (the daemon, or a CLI command that needs their task types): what each registered,
 * the rule actions, routes and span sinks by plugin, and the failures. Task types go to the engine's registry,
 * the one place that names them. A name that is taken fails the whole plugin, which is then skipped.
 */
export class PluginSet {
  readonly plugins: LoadedPlugin[] = [];
  readonly failures: PluginFailure[] = [];
  readonly ruleActions = new Map<string, { plugin: string; action: PluginRuleAction }>();
  readonly routes: { plugin: string; route: PluginRoute }[] = [];
  readonly spanSinks: { plugin: string; sink: SpanSink }[] = [];

  /** Checks a plugin's registrations against everything loaded before it, then applies them; throws on a clash. */
  add(name: string, version: string | null, from: PluginSource, regs: Registrations): LoadedPlugin {
    const clash = (what: string, taken: string, by: string) => {
      throw pluginError('PLUGIN_DUPLICATE', `${what} "${taken}" is already registered by ${by}`, { name: taken });
    };
    const owner = this.plugins.find((p) => p.name === name);
    if (owner) clash('the plugin name', name, `the plugin loaded from ${owner.source}`);
    const builtIn = new Set(taskTypes().map((t) => t.name));
    for (const t of unique(regs.taskTypes.map((t) => t.name), 'task type')) {
      if (builtIn.has(t)) clash('the task type', t, this.ownerOf('taskTypes', t) ?? 'logline (built in)');
    }
    for (const a of unique(regs.ruleActions.map((a) => a.name), 'rule action')) {
      if ((ACTION_TYPES as readonly string[]).includes(a)) clash('the rule action', a, 'logline (built in)');
      const taken = this.ruleActions.get(a);
      if (taken) clash('the rule action', a, `the plugin ${taken.plugin}`);
    }
    const routes = unique(regs.routes.map((r) => `${r.method} ${routePrefix(name)}${r.path}`), 'route');
    unique(regs.spanSinks.map((s) => s.name), 'span sink');

    for (const t of regs.taskTypes) registerTaskType(t);
    for (const a of regs.ruleActions) this.ruleActions.set(a.name, { plugin: name, action: a });
    for (const route of regs.routes) this.routes.push({ plugin: name, route });
    for (const sink of regs.spanSinks) this.spanSinks.push({ plugin: name, sink });
    const loaded: LoadedPlugin = {
      name, version, ...from, taskTypes: regs.taskTypes.map((t) => t.name), ruleActions: regs.ruleActions.map((a) => a.name),
      routes, spanSinks: regs.spanSinks.map((s) => s.name),
    };
    this.plugins.push(loaded);
    return loaded;
  }

  report(): PluginReport {
    return { plugins: this.plugins, failures: this.failures };
  }

  private ownerOf(kind: 'taskTypes', name: string): string | undefined {
    const p = this.plugins.find((x) => x[kind].includes(name));
    return p && `the plugin ${p.name}`;
  }
}

/** The names, refusing one that a plugin registers twice itself. */
function unique(names: string[], what: string): string[] {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw pluginError('PLUGIN_DUPLICATE', `it registers the ${what} "${n}" twice`, { name: n });
    seen.add(n);
  }
  return names;
}

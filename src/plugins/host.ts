import * as v from 'valibot';
import type { Config } from '../config/config.js';
import { LoglineError } from '../errors/errors.js';
import { pluginError } from './errors.js';
import type { Registrations } from './registry.js';
import type { PluginHost, PluginRoute } from './types.js';

const NAME = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const ROUTE_PATH = /^(?:\/(?::?[A-Za-z0-9._~-]+))+$/;
const METHODS = ['GET', 'POST', 'DELETE'];
const SCOPES = ['read', 'write', 'admin'];

export interface HostInit {
  plugin: string;
  config: Config;
  log: (line: string) => void;
}

/**
 * The narrow host API one plugin's `register` receives. Its registrations are collected, not applied: the
 * loader applies them together once `register` has returned, so that a plugin that fails half-way leaves
 * nothing behind. Calls after that (a plugin registering later, from a timer) are refused.
 */
export function createHost(init: HostInit): { host: PluginHost; registrations: Registrations; seal(): void } {
  const registrations: Registrations = { taskTypes: [], ruleActions: [], routes: [], spanSinks: [] };
  let sealed = false;
  const open = (what: string) => {
    if (sealed) throw bad(`${what} after register() returned; register everything while register() runs`);
  };
  const host: PluginHost = {
    plugin: init.plugin,
    config: init.config,
    v,
    log: (line) => init.log(`plugin ${init.plugin}: ${line}`),
    error(code, message, opts = {}) {
      const details = opts.permanent ? { ...opts.details, permanent: true } : opts.details;
      return new LoglineError(code, message, { hint: opts.hint, details, exitCode: opts.usage ? 2 : 1 });
    },
    taskType(type) {
      open('taskType');
      need(NAME.test(String(type?.name)), `a task type's name is lower-case letters, digits, - and _ (got ${JSON.stringify(type?.name)})`);
      need(typeof type.run === 'function', `the task type ${type.name} has no run(payload, ctx) function`);
      need(isSchema(type.schema), `the task type ${type.name} has no valibot schema (host.v)`);
      need(type.defaults !== null && typeof type.defaults === 'object', `the task type ${type.name} has no default policy (defaults)`);
      registrations.taskTypes.push({ ...type, description: String(type.description ?? '') });
    },
    ruleAction(action) {
      open('ruleAction');
      need(NAME.test(String(action?.name)), `a rule action's name is lower-case letters, digits, - and _ (got ${JSON.stringify(action?.name)})`);
      need(typeof action.run === 'function', `the rule action ${action.name} has no run(params, ctx) function`);
      need(isSchema(action.schema), `the rule action ${action.name} has no valibot schema (host.v)`);
      registrations.ruleActions.push({ ...action, description: String(action.description ?? '') });
    },
    route(route) {
      open('route');
      checkRoute(route);
      registrations.routes.push({ scope: 'read', ...route });
    },
    spanSink(sink) {
      open('spanSink');
      need(NAME.test(String(sink?.name)), `a span sink's name is lower-case letters, digits, - and _ (got ${JSON.stringify(sink?.name)})`);
      need(typeof sink.write === 'function', `the span sink ${sink.name} has no write(spans, info) function`);
      registrations.spanSinks.push(sink);
    },
  };
  return { host, registrations, seal: () => { sealed = true; } };
}

/** A plugin name: it becomes a path segment of its routes. */
export function isPluginName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name) && name.length <= 64;
}

function checkRoute(route: PluginRoute): void {
  need(METHODS.includes(String(route?.method)), `a route's method is one of ${METHODS.join(', ')} (got ${JSON.stringify(route?.method)})`);
  need(typeof route.path === 'string' && ROUTE_PATH.test(route.path), `the route path ${JSON.stringify(route.path)} must start with / and hold plain segments or :params`);
  need(route.scope === undefined || SCOPES.includes(route.scope), `a route's scope is one of ${SCOPES.join(', ')}`);
  need(typeof route.handler === 'function', `the route ${route.method} ${route.path} has no handler(req) function`);
}

function isSchema(s: unknown): boolean {
  return s !== null && typeof s === 'object' && (s as { kind?: unknown }).kind === 'schema';
}

function need(ok: boolean, message: string): asserts ok {
  if (!ok) throw bad(message);
}

function bad(message: string): LoglineError {
  return pluginError('PLUGIN_BAD_REGISTRATION', message);
}

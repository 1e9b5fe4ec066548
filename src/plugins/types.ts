/**
 * The plugin contract (SPEC §9): a plugin is an ES module whose default export (or the module itself) is
 * `{ name, version?, register(host) }`. `register` gets a narrow host API and may register task types, rule
 * actions (reaction phase), API routes under `/api/v1/plugins/<plugin>/…` and span sinks. Nothing else of the
 * node is reachable from a plugin: it sees the config, a logger, valibot for its schemas and the error factory.
 */
import type * as v from 'valibot';
import type { Config } from '../config/config.js';
import type { TaskType } from '../engine/types/type.js';
import type { LoglineError } from '../errors/errors.js';
import type { Span } from '../timeline/span.js';

export type { RunContext, RunResult, TaskType } from '../engine/types/type.js';

/** What a plugin module exports. */
export interface LoglinePlugin {
  /** Lower-case letters, digits and dashes: it names the plugin in errors, `plugin list` and its route prefix. */
  name: string;
  version?: string;
  register(host: PluginHost): void | Promise<void>;
}

/** Options of an error a plugin throws (from a task run, a route, a rule action). */
export interface PluginErrorOptions {
  hint?: string;
  details?: Record<string, unknown>;
  /** A task run error that retrying cannot fix (a 404 from a webhook): the task fails at once. */
  permanent?: boolean;
  /** A usage error (exit code 2, HTTP 400). */
  usage?: boolean;
}

/** The host API a plugin's `register` receives. Registrations take effect only when `register` returns without error. */
export interface PluginHost {
  /** The plugin's own name, as it declared it. */
  readonly plugin: string;
  /** The node's configuration (read only). */
  readonly config: Config;
  /** valibot, for task payload and rule action schemas (a user plugin need not install it). */
  readonly v: typeof v;
  /** Writes a line to the node log, prefixed with the plugin's name. */
  log(line: string): void;
  /** The one error class of logline, with a stable UPPER_SNAKE code. */
  error(code: string, message: string, opts?: PluginErrorOptions): LoglineError;
  taskType(type: TaskType): void;
  ruleAction(action: PluginRuleAction): void;
  route(route: PluginRoute): void;
  spanSink(sink: SpanSink): void;
}

/** A rule action of the reaction phase, used in rules as `{type: plugin, action: <name>, params: {…}}`. */
export interface PluginRuleAction<P = unknown> {
  name: string;
  description: string;
  /** Checks `params` when the action is carried out; the error names the field. */
  schema: v.GenericSchema<unknown, P>;
  run(params: P, ctx: RuleActionContext): Promise<void> | void;
}

export interface RuleActionContext {
  tenant: string;
  /** The committed span that made the rule fire. */
  span: Span;
  rule: string;
  signal: AbortSignal;
}

/** What a plugin route handler sees of a request: nothing of the raw HTTP objects. */
export interface PluginRequest {
  method: string;
  /** The path after `/api/v1/plugins/<plugin>`. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The tenant of a token; for the node's owner (unix socket), the `tenant` query parameter or null. */
  tenant: string | null;
  auth: { kind: 'socket' } | { kind: 'token'; tenant: string; role: 'reader' | 'writer' };
  /** The JSON body (null when empty), read within the caller's body-size limit. */
  json(): Promise<unknown>;
}

export interface PluginRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** Relative to `/api/v1/plugins/<plugin>`, with `:param` segments: `/hits`, `/items/:id`. */
  path: string;
  /** The auth scope a token needs (`admin`: the node's owner only); default `read`. */
  scope?: 'read' | 'write' | 'admin';
  /** The HTTP status of a success; default 200. Errors are thrown (`host.error(…)`) and sent as the error envelope. */
  status?: number;
  /** Returns the JSON body of the answer (undefined: `{}`). */
  handler(req: PluginRequest): Promise<unknown> | unknown;
}

/** Called after spans commit on this node (appended here or replicated from a peer), off the commit path. */
export interface SpanSink {
  name: string;
  write(spans: readonly Span[], info: { from: string | null }): Promise<void> | void;
}

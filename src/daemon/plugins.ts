import type { RouteDef } from '../api/routes.js';
import { loadPlugins } from '../plugins/load.js';
import { routePrefix, type PluginSet } from '../plugins/registry.js';
import type { PluginRequest, PluginRoute, SpanSink } from '../plugins/types.js';
import type { Span } from '../timeline/span.js';
import { parseJson, readBody, sendJson } from './http.js';
import type { DaemonNode } from './node.js';
import type { Handler, Router } from './router.js';

/**
 * Loads the plugins into the daemon (before the engine starts, so that their task types run): their routes go
 * to the router under `/api/v1/plugins/<plugin>/…` with the router's auth scopes, their span sinks get every
 * commit. A plugin that fails is skipped and logged; the node runs on and reports it in its status.
 */
export async function startPlugins(node: DaemonNode, router: Router, log: (line: string) => void): Promise<PluginSet> {
  const { home } = node;
  const set = await loadPlugins({ config: home.config, configFile: home.paths.configFile, log });
  for (const { plugin, route } of set.routes) {
    const def: RouteDef = { name: `plugin:${plugin}:${route.method} ${route.path}`, method: route.method, path: `${routePrefix(plugin)}${route.path}`, scope: route.scope ?? 'read' };
    router.register(def, routeHandler(node, route));
  }
  for (const { plugin, sink } of set.spanSinks) {
    const deliver = sinkQueue(sink, (e) => {
      node.metrics.inc('logline_plugin_sink_errors_total', 'Span sink calls that threw, by plugin', { plugin });
      log(`plugin ${plugin}: span sink ${sink.name} failed: ${(e as Error)?.message ?? e}`);
    });
    home.timeline.onCommit((spans, from) => deliver(spans, from));
  }
  for (const p of set.plugins) log(`plugin ${p.name}${p.version ? ` ${p.version}` : ''} loaded from ${p.source}`);
  node.plugins = set;
  return set;
}

/** A plugin route as a router handler: a narrow request in, a JSON body out; thrown errors become envelopes. */
function routeHandler(node: DaemonNode, route: PluginRoute): Handler {
  return async ({ req, res, url, params, auth }) => {
    const request: PluginRequest = {
      method: route.method,
      path: url.pathname.slice(url.pathname.indexOf('/', routePrefix('').length)),
      params,
      query: url.searchParams,
      tenant: auth.kind === 'token' ? auth.tenant : url.searchParams.get('tenant'),
      auth: auth.kind === 'token' ? { kind: 'token', tenant: auth.tenant, role: auth.role } : { kind: 'socket' },
      json: async () => {
        const body = await readBody(req, node.maxBody(auth));
        return body.length === 0 ? null : parseJson(body);
      },
    };
    const result = await route.handler(request);
    sendJson(res, route.status ?? 200, result === undefined ? {} : result);
  };
}

/**
 * Calls a sink after each commit, off the commit path and one call at a time, in commit order; an error is
 * reported and the next commit is delivered all the same.
 */
function sinkQueue(sink: SpanSink, onError: (e: unknown) => void): (spans: readonly Span[], from: string | null) => void {
  let tail: Promise<void> = Promise.resolve();
  return (spans, from) => {
    tail = tail.then(() => sink.write(spans, { from })).catch(onError);
  };
}

/**
 * The logline package for other Node programs: a typed client of a node's local API.
 *
 *   import { connect } from 'logline';
 *   const node = await connect({ home: '/srv/logline' });
 *   const [span] = await node.append({ drafts: [{ tenant: 'acme', title: 'Deployed api v2.3' }] });
 */
import { resolvePaths } from './config/paths.js';
import { daemonClient, type DaemonClient } from './client/daemon.js';
import { undiciTransport } from './client/undici-transport.js';
import { VERSION } from './version.js';

export interface ConnectOptions {
  /** The node's home (as `--home`); default `LOGLINE_HOME` or the XDG folders. */
  home?: string;
  /** The unix socket, when it is not the home's. */
  socketPath?: string;
  /** A TCP listener (`http://127.0.0.1:8070`) with a bearer token, instead of the socket. */
  url?: string;
  token?: string;
}

/** Connects to a running daemon (undici, keep-alive) and checks that it answers. */
export async function connect(opts: ConnectOptions = {}): Promise<DaemonClient> {
  const transport = opts.url
    ? undiciTransport({ url: opts.url, token: opts.token })
    : undiciTransport({ socketPath: opts.socketPath ?? resolvePaths({ home: opts.home }).socket });
  const client = daemonClient(transport, { clientVersion: VERSION });
  await client.health();
  return client;
}

export type { DaemonClient } from './client/daemon.js';
export type { LoglineClient, IngestItem, NodeStatus } from './client/types.js';
export type { AppendRequest, Page, QueryFilters, VerifyReport, VerifyFinding } from './api/types.js';
export type { ApiEvent } from './api/routes.js';
export type { Span, SpanBody, SpanDraft } from './timeline/span.js';
export { LoglineError } from './errors/errors.js';
export type { LoglinePlugin, PluginHost, PluginRequest, PluginRoute, PluginRuleAction, RuleActionContext, SpanSink, TaskType, RunContext, RunResult } from './plugins/types.js';

import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { LoglineError } from '../errors/errors.js';
import type { Home } from '../node/home.js';
import { startCheckpointer } from './checkpointer.js';
import { registerRoutes } from './handlers.js';
import { acquireLock } from './lock.js';
import { DaemonNode } from './node.js';
import { startPlugins } from './plugins.js';
import { RateLimiter } from './rate-limit.js';
import { Router } from './router.js';
import { apiServer } from './server.js';
import { Tokens } from './tokens.js';

export interface DaemonInit {
  home: Home;
  /** `host:port` of the optional token-authenticated TCP listener. */
  http?: string;
  /** Requests per second per token on the TCP listener (bursts of twice that). */
  tokenRate?: number;
  tokenBodyLimit?: number;
  /** libp2p listen multiaddrs; empty: no peer-to-peer. */
  listen?: string[];
  bootstrap?: string[];
  mdns?: boolean;
  log?: (line: string) => void;
}

export interface Daemon {
  node: DaemonNode;
  stop(): Promise<void>;
}

/**
 * Starts the node daemon in this process, in dependency order: lock, unix socket (answers `starting` at once),
 * store and event tail, then the TCP listener. `stop()` undoes it in reverse.
 */
export async function startDaemon(init: DaemonInit): Promise<Daemon> {
  const { home } = init;
  const log = init.log ?? (() => {});
  const paths = home.paths;
  mkdirSync(paths.runtime, { recursive: true, mode: 0o700 });
  const release = acquireLock(paths.lock);
  const servers: Server[] = [];
  const node = new DaemonNode({ home, socket: paths.socket, tokenBodyLimit: init.tokenBodyLimit });
  let stopped: Promise<void> | undefined;
  let stopCheckpointer: (() => Promise<void>) | undefined;
  const stop = () => {
    stopped ??= (async () => {
      node.state = 'stopping';
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      })));
      await stopCheckpointer?.();
      await node.close();
      rmSync(paths.socket, { force: true });
      release();
      log('stopped');
    })();
    return stopped;
  };
  try {
    const router = new Router();
    registerRoutes(router, node);
    rmSync(paths.socket, { force: true }); // we hold the lock: any socket file here is a crashed daemon's
    const unix = apiServer({ router, node });
    servers.push(unix);
    await listen(unix, paths.socket);
    chmodSync(paths.socket, 0o600);
    log(`api listening on ${paths.socket}`);
    stopCheckpointer = await startCheckpointer(home.db, paths.db, log); // opens the store (migrations applied)
    node.open();
    if (init.http) {
      const rate = init.tokenRate ?? 100;
      const tcp = apiServer({ router, node, tokens: new Tokens(home.db), rateLimit: new RateLimiter(rate, rate * 2) });
      servers.push(tcp);
      const { host, port } = parseHostPort(init.http);
      await listen(tcp, port, host);
      const addr = tcp.address();
      node.httpAddress = typeof addr === 'object' && addr ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : null;
      log(`http listening on ${node.httpAddress}`);
    }
    if (init.listen && init.listen.length > 0) {
      const { Federation } = await import('../federation/federation.js');
      const federation = new Federation({ home, listen: init.listen, bootstrap: init.bootstrap, mdns: init.mdns, app: node.version, log });
      await federation.start();
      node.federation = federation;
    }
    await startPlugins(node, router, log); // before the engine: their task types run in it
    node.startEngine(log);
    node.state = 'ready';
    log(`ready: pid ${process.pid}, ${node.did}`);
    return { node, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function listen(server: Server, where: string | number, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new LoglineError('LISTEN_FAILED', `cannot listen on ${host ? `${host}:` : ''}${where}: ${e.code ?? e.message}`, {
      hint: e.code === 'EADDRINUSE' ? 'another program uses that address' : undefined,
    })));
    if (typeof where === 'number') server.listen(where, host, () => resolve());
    else server.listen(where, () => resolve());
  });
}

export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw LoglineError.usage('BAD_ADDRESS', `"${value}" is not host:port`, 'e.g. --http 127.0.0.1:8070');
  return { host: m[1] ?? m[2], port };
}

import { existsSync } from 'node:fs';
import { LoglineError } from '../errors/errors.js';
import { VERSION } from '../version.js';
import { daemonClient, type DaemonClient } from './daemon.js';
import { socketTransport } from './socket-http.js';
import { neverSent } from './transport.js';
import type { LoglineClient } from './types.js';

const STARTING_WAIT_MS = 10_000;

/**
 * A client of the daemon on this socket when one answers, waiting while it says `starting`; null when no
 * daemon runs (no socket, or a stale one left by a crash).
 */
export async function connectDaemon(socketPath: string, onVersionMismatch?: (daemonVersion: string) => void): Promise<DaemonClient | null> {
  if (!existsSync(socketPath)) return null;
  const client = daemonClient(socketTransport(socketPath), { clientVersion: VERSION, onVersionMismatch });
  const deadline = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    let status: string;
    try {
      status = (await client.health()).status;
    } catch (e) {
      if (neverSent(e)) return null;
      throw e;
    }
    if (status === 'ready') return client;
    if (status === 'stopping' || Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The CLI's client: the daemon when its socket exists, without a health round trip first. A call that never
 * reached a daemon (stale socket after a crash) and every call after it run in-process instead; a daemon that
 * is still starting is waited for.
 */
export function preferDaemon(socketPath: string, local: () => LoglineClient, onVersionMismatch?: (daemonVersion: string) => void): LoglineClient {
  let current: LoglineClient = existsSync(socketPath)
    ? daemonClient(socketTransport(socketPath), { clientVersion: VERSION, onVersionMismatch })
    : local();
  let settled = current.kind === 'local';
  const attempt = async <T>(call: (c: LoglineClient) => Promise<T>): Promise<T> => {
    const deadline = Date.now() + STARTING_WAIT_MS;
    for (;;) {
      try {
        const out = await call(current);
        settled = true;
        return out;
      } catch (e) {
        if (!settled && neverSent(e)) {
          current = local();
          settled = true;
          continue;
        }
        if (e instanceof LoglineError && e.code === 'NOT_READY' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        throw e;
      }
    }
  };
  /** A stream whose first item decides where it comes from (nothing is yielded before it arrives). */
  async function* firstDecides<T>(open: (c: LoglineClient) => AsyncIterable<T>): AsyncIterable<T> {
    const it = await attempt(async (c) => {
      const iterator = open(c)[Symbol.asyncIterator]();
      const first = await iterator.next();
      return { iterator, first };
    });
    for (let r = it.first; !r.done; r = await it.iterator.next()) yield r.value;
  }
  return {
    get kind() { return current.kind; },
    append: (r) => attempt((c) => c.append(r)),
    get: (ref) => attempt((c) => c.get(ref)),
    query: (f) => attempt((c) => c.query(f)),
    ingest: (spans) => attempt((c) => c.ingest(spans)),
    verify: (scope, onProgress) => attempt((c) => c.verify(scope, onProgress)),
    status: () => attempt((c) => c.status()),
    tenants: () => attempt((c) => c.tenants()),
    members: (t) => attempt((c) => c.members(t)),
    peers: () => attempt((c) => c.peers()),
    sync: () => attempt((c) => c.sync()),
    join: (r) => attempt((c) => c.join(r)),
    exportLines: (filters) => firstDecides((c) => c.exportLines(filters)),
    subscribe: (filters, signal) => firstDecides((c) => c.subscribe(filters, signal)),
    close: () => current.close(),
  };
}

import { existsSync } from 'node:fs';
import { LoglineError } from '../errors/errors.js';
import { VERSION } from '../version.js';
import { daemonClient, type DaemonClient } from './daemon.js';
import { httpTransport } from './transport.js';

const STARTING_WAIT_MS = 10_000;

/**
 * A client of the daemon on this socket when one answers, waiting while it says `starting`; null when no
 * daemon runs (no socket, or a stale one left by a crash).
 */
export async function connectDaemon(socketPath: string, onVersionMismatch?: (daemonVersion: string) => void): Promise<DaemonClient | null> {
  if (!existsSync(socketPath)) return null;
  const client = daemonClient(httpTransport(socketPath), { clientVersion: VERSION, onVersionMismatch });
  const deadline = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    let status: string;
    try {
      status = (await client.health()).status;
    } catch (e) {
      if (e instanceof LoglineError && e.code === 'DAEMON_UNREACHABLE') return null;
      throw e;
    }
    if (status === 'ready') return client;
    if (status === 'stopping' || Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}

import { Pool } from 'undici';
import type { Transport } from './transport.js';
import { unreachable } from './transport.js';

/** undici Pool over the unix socket (or a TCP URL): keep-alive and pipelining for programs that make many calls. */
export function undiciTransport(target: { socketPath: string } | { url: string; token?: string }): Transport {
  const pool = 'socketPath' in target
    ? new Pool('http://localhost', { connect: { socketPath: target.socketPath }, connections: 8 })
    : new Pool(target.url, { connections: 8 });
  const auth: Record<string, string> = 'token' in target && target.token ? { authorization: `Bearer ${target.token}` } : {};
  const where = 'socketPath' in target ? target.socketPath : target.url;
  return {
    async request(method, path, opts = {}) {
      try {
        const res = await pool.request({ method: method as 'GET', path, body: opts.body, headers: { ...auth, ...opts.headers } });
        return { status: res.statusCode, headers: res.headers, body: res.body as AsyncIterable<Buffer> };
      } catch (e) {
        throw unreachable(where, e);
      }
    },
    async close() {
      await pool.close();
    },
  };
}

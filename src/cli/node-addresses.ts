import { definition } from '../config/definitions.js';
import { LoglineError } from '../errors/errors.js';
import { peerIdOfMultiaddr } from '../federation/peer-id.js';
import type { Home } from '../node/home.js';

/** What the daemon listens on and dials first, from `node start` flags over the config keys http, listen, bootstrap. */
export interface NodeAddresses {
  http: string | undefined;
  listen: string[];
  bootstrap: string[];
}

/**
 * The daemon's addresses, checked before it starts: a value that is not host:port, or not a multiaddr, is a
 * CONFIG_INVALID naming the key and where the value came from (the flag, the env var, the config file), where
 * it used to surface as a stack trace in the daemon's log.
 */
export async function nodeAddresses(home: Home, flags: { http?: string; listen?: string[] }): Promise<NodeAddresses> {
  const { multiaddr } = await import('@multiformats/multiaddr');
  const { parseHostPort } = await import('../daemon/daemon.js');
  const from = (key: string, flag: boolean) => (flag ? `the flag --${key}` : home.config.source(key));
  const list = (key: string) => String(home.config.get(key) ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  const bad = (key: string, flag: boolean, value: string, why: string) =>
    new LoglineError('CONFIG_INVALID', `${key} from ${from(key, flag)}: ${JSON.stringify(value)} ${why}`, { hint: definition(key)?.description, exitCode: 2 });

  const http = flags.http ?? (home.config.get('http') as string | null) ?? undefined;
  if (http !== undefined) {
    try {
      parseHostPort(http);
    } catch {
      throw bad('http', flags.http !== undefined, http, 'is not host:port (e.g. 127.0.0.1:8070)');
    }
  }
  const listen = flags.listen ?? (home.config.get('listen') === 'off' ? [] : list('listen'));
  const bootstrap = list('bootstrap');
  const check = (key: string, flag: boolean, addrs: string[], p2p: boolean) => {
    for (const a of addrs) {
      try {
        multiaddr(a);
      } catch (e) {
        throw bad(key, flag, a, `is not a multiaddr (${(e as Error).message}), e.g. /ip4/0.0.0.0/tcp/4141`);
      }
      if (p2p && peerIdOfMultiaddr(a) === null) throw bad(key, flag, a, 'does not end in /p2p/<peer id> (`logline id show` on that node)');
    }
  };
  check('listen', flags.listen !== undefined, listen, false);
  check('bootstrap', false, bootstrap, true);
  return { http, listen, bootstrap };
}

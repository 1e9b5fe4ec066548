/** Test harness only: a daemon of a temp home (the built binary) with a TCP listener, and tokens for it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliAsync, type initHome } from './cli.js';

type TestHome = ReturnType<typeof initHome>;

async function ok(h: TestHome, args: string[]): Promise<string> {
  const r = await cliAsync(['--home', h.home, ...args]);
  if (r.code !== 0) throw new Error(`logline ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Starts `node start --http 127.0.0.1:0` and returns the bound base URL; `stop` stops it (its log on failure). */
export async function startHttpDaemon(h: TestHome): Promise<{ base: string; stop: () => Promise<void> }> {
  await ok(h, ['node', 'start', '--http', '127.0.0.1:0']);
  const status = JSON.parse(await ok(h, ['--json', 'node', 'status'])) as { api: { http: string } };
  return {
    base: status.api.http,
    stop: async () => {
      const r = await cliAsync(['--home', h.home, 'node', 'stop']);
      if (r.code !== 0) {
        let log = '(no log)';
        try { log = readFileSync(join(h.home, 'state', 'node.log'), 'utf8'); } catch { /* none */ }
        throw new Error(`node stop failed: ${r.stderr}\n${log}`);
      }
    },
  };
}

/** A bearer token of the home's default tenant. */
export async function createToken(h: TestHome, role: 'reader' | 'writer', tenant?: string): Promise<string> {
  const out = await ok(h, [...(tenant ? ['--tenant', tenant] : []), '--json', 'token', 'create', '--role', role]);
  return (JSON.parse(out) as { token: string }).token;
}

/** Every span of the home (through the daemon when it runs), oldest first. */
export async function exportSpans<T = Record<string, unknown>>(h: TestHome, args: string[] = []): Promise<T[]> {
  const out = await ok(h, ['export', ...args]);
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

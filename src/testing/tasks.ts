/** Test harness for the task engine: a local webhook receiver, waiting for a condition, reading a home's store. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, cli, cliEnv, type initHome } from './cli.js';

type TestHome = ReturnType<typeof initHome>;

export interface Hit {
  path: string;
  body: unknown;
  at: number;
  /** Set when the request was aborted by the client before an answer. */
  aborted: boolean;
}

/**
 * A real HTTP server on 127.0.0.1 whose paths behave as named: `/ok` answers 200, `/status/N` answers N, `/hang`
 * never answers, `/hang-once/ID` hangs the first time and answers 200 after, `/slow/MS` answers 200 after MS; `/switch` answers what `switchStatus` says. It records every
 * request and the most requests it held at once.
 */
export async function hookServer(): Promise<{ url: string; hits: Hit[]; maxInFlight: () => number; inFlight: () => number; switchStatus: { value: number }; close: () => Promise<void> }> {
  const hits: Hit[] = [];
  let inFlight = 0;
  let max = 0;
  const switchStatus = { value: 500 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => { text += d; });
    req.on('end', () => {
      const hit: Hit = { path: req.url ?? '', body: text ? JSON.parse(text) : null, at: Date.now(), aborted: false };
      hits.push(hit);
      inFlight++;
      max = Math.max(max, inFlight);
      let done = false;
      const finish = (status: number) => {
        if (done) return;
        done = true;
        inFlight--;
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 400 ? `status ${status}` : 'ok');
      };
      res.on('close', () => {
        if (!done) { hit.aborted = true; done = true; inFlight--; }
      });
      const [, kind, arg] = (req.url ?? '').split('/');
      const seen = hits.filter((x) => x.path === hit.path).length;
      if (kind === 'ok' || (kind === 'hang-once' && seen > 1)) finish(200);
      else if (kind === 'status') finish(Number(arg));
      else if (kind === 'slow') setTimeout(() => finish(200), Number(arg));
      else if (kind === 'switch') finish(switchStatus.value);
      // 'hang': no answer until the client gives up
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, hits, switchStatus, maxInFlight: () => max, inFlight: () => inFlight,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** `logline node start --foreground` as a child process that a test can SIGKILL; resolves once it answers ready. */
export async function foregroundDaemon(home: string, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, '--home', home, 'node', 'start', '--foreground'], { stdio: ['ignore', 'ignore', 'pipe'], env: cliEnv(env) });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the daemon exited: ${err}`);
    return cli(['--home', home, 'node', 'status'], { env }).code === 0;
  }, 20_000, 'the daemon to be ready');
  return child;
}

/** Polls `check` every 50 ms until it returns a value other than undefined/false; fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `fn` on a read-only connection to the home's store (a daemon may be writing meanwhile). */
export function readStore<T>(home: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(home, 'data', 'logline.db'), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The spans of kind system titled `task.started`/`task.finished`, in commit order, with their bodies parsed. */
export function taskSpans(home: string, title: 'task.started' | 'task.finished'): { id: string; body: Record<string, any> }[] {
  return readStore(home, (db) => (db.prepare(`SELECT lower(hex(id)) AS id, body FROM spans WHERE kind = 'system' AND title = ? ORDER BY rid`).all(title) as { id: string; body: string }[])
    .map((r) => ({ id: r.id, body: JSON.parse(r.body) })));
}

/** A second tenant of which the home's node identity is the owner. */
export function createTenant(h: TestHome, slug: string): void {
  const r = h.run(['tenant', 'create', slug]);
  if (r.code !== 0) throw new Error(`cannot create tenant ${slug}: ${r.stderr}`);
}

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DaemonClient } from '../index.js';
import { BIN, cli, cliEnv, initHome } from '../testing/cli.js';

type Home = ReturnType<typeof initHome>;
const LOCAL = { LOGLINE_DAEMON: 'false' };

function get(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

/** A daemon in the foreground as a child process we can SIGKILL; resolves once it answers ready. */
async function foreground(home: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, '--home', home, 'node', 'start', '--foreground'], { stdio: ['ignore', 'ignore', 'pipe'], env: cliEnv() });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const socket = join(home, 'run', 'node.sock');
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`daemon exited: ${err}`);
    if (existsSync(socket)) {
      const r = await get(socket, '/healthz').catch(() => null);
      if (r?.status === 200) return child;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`daemon not ready: ${err}`);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

describe('the same commands through the daemon and in-process', () => {
  let h: Home;
  let socket: string;
  beforeAll(() => {
    h = initHome();
    socket = join(h.home, 'run', 'node.sock');
    for (let i = 0; i < 8; i++) h.run(['log', `seed ${i}`, '--tag', i % 2 ? 'odd' : 'even', '--data', `{"n":${i},"word":"zebra${i}"}`], { env: LOCAL });
    h.run(['log', 'private one', '--visibility', 'private'], { env: LOCAL });
    expect(h.run(['node', 'start']).code).toBe(0);
  });
  afterAll(() => { h.run(['node', 'stop']); h.cleanup(); });

  it('print the same results, errors and exit codes', async () => {
    const id = h.run(['timeline', '--limit', '1', '--json'], { env: LOCAL }).stdout.match(/"id": "([0-9a-f]{64})"/)![1];
    const before = await get(socket, '/metrics');
    const commands = [
      ['timeline', '--json'], ['timeline', '--ndjson'], ['timeline', '--tag', 'odd'], ['timeline', '--limit', '3', '--json'],
      ['search', 'zebra3', '--json'], ['span', 'show', id], ['span', 'show', id.slice(0, 8), '--json'], ['verify', '--all', '--json'],
      ['verify', id, '--json'], ['export'], ['export', '--tag', 'even'], ['timeline', '--all-tenants', '--ndjson'],
      // errors
      ['span', 'show', 'ffffffff'], ['span', 'show', 'zz'], ['timeline', '--limit', '5000'], ['log', 'two\nlines'],
      ['log', 'x', '--data', '{bad'], ['log', 'x', '--tenant', 'Not A Slug'], ['search', ' '],
    ];
    for (const args of commands) {
      const local = h.run(args, { env: LOCAL });
      const daemon = h.run(args);
      expect({ args, code: daemon.code, stdout: daemon.stdout, stderr: daemon.stderr }).toEqual({ args, code: local.code, stdout: local.stdout, stderr: local.stderr });
    }
    const after = await get(socket, '/metrics');
    const served = (text: string) => [...text.matchAll(/logline_api_requests_total\{route="(?:query|get|verify|export)",status="200"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(served(after.body) - served(before.body)).toBeGreaterThanOrEqual(10);
  });

  it('log and run through the daemon sign with the same identity and chain', () => {
    const viaDaemon = JSON.parse(h.run(['log', 'via daemon', '--json', '--tag', 'd']).stdout);
    const viaLocal = JSON.parse(h.run(['log', 'via local', '--json'], { env: LOCAL }).stdout);
    expect(viaLocal.author).toBe(viaDaemon.author);
    expect(viaLocal.seq).toBe(viaDaemon.seq + 1);
    expect(viaLocal.prev).toBe(viaDaemon.id);
    const ran = h.run(['run', '--json', '--', 'sh', '-c', 'exit 4']);
    expect(ran.code).toBe(4);
    expect(JSON.parse(ran.stdout).data.exit_code).toBe(4);
    expect(h.run(['verify', '--all']).code).toBe(0);
  });

  it('imports through the daemon with the same report', () => {
    const exported = h.run(['export'], { env: LOCAL }).stdout;
    const lines = exported.trim().split('\n');
    lines.push('{"not":"a span"}');
    const file = join(h.home, 'again.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const daemon = h.run(['import', file, '--json']);
    const local = h.run(['import', file, '--json'], { env: LOCAL });
    expect(daemon.code).toBe(1);
    expect(JSON.parse(daemon.stdout)).toEqual(JSON.parse(local.stdout));
  });
});

describe('daemon lifecycle', () => {
  let h: Home;
  beforeAll(() => { h = initHome(); });
  afterAll(() => { h.run(['node', 'stop']); h.cleanup(); });

  it('refuses a second daemon on the same home, stops cleanly on SIGTERM', async () => {
    const child = await foreground(h.home);
    const second = h.run(['node', 'start', '--foreground']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('DAEMON_RUNNING');
    expect(statSync(join(h.home, 'run', 'node.sock')).mode & 0o777).toBe(0o600);
    const status = JSON.parse(h.run(['node', 'status', '--json']).stdout);
    expect(status).toMatchObject({ state: 'ready', pid: child.pid, version: expect.any(String), api: { socket: join(h.home, 'run', 'node.sock') } });
    child.kill('SIGTERM');
    await exited(child);
    expect(child.exitCode).toBe(0);
    expect(existsSync(join(h.home, 'run', 'node.lock'))).toBe(false);
    expect(existsSync(join(h.home, 'run', 'node.sock'))).toBe(false);
    expect(h.run(['node', 'status']).code).toBe(3);
  });

  it('clears a stale lock after a crash and serves again', async () => {
    const child = await foreground(h.home);
    child.kill('SIGKILL');
    await exited(child);
    expect(existsSync(join(h.home, 'run', 'node.lock'))).toBe(true);
    // a CLI command with a dead socket falls back to in-process
    expect(h.run(['log', 'while down']).code).toBe(0);
    expect(h.run(['node', 'start']).code).toBe(0);
    expect(JSON.parse(h.run(['node', 'status', '--json']).stdout).state).toBe('ready');
    expect(h.run(['node', 'restart']).code).toBe(0);
    expect(h.run(['node', 'stop']).stdout).toMatch(/^stopped \(pid \d+\)\n$/);
    expect(h.run(['node', 'stop']).stdout).toBe('not running\n');
  });

  it('says which listen address is taken, and leaves no lock behind', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const port = (holder.address() as AddressInfo).port;
    try {
      const r = h.run(['node', 'start', '--listen', `/ip4/127.0.0.1/tcp/${port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`LISTEN_FAILED: cannot listen on /ip4/127.0.0.1/tcp/${port} (port in use)`);
      expect(r.stderr).not.toContain('bug in logline');
      expect(existsSync(join(h.home, 'run', 'node.lock'))).toBe(false);
      expect(h.run(['node', 'status']).code).toBe(3);
    } finally {
      holder.close();
    }
  });

  it('writes a systemd user unit for this home', () => {
    const r = h.run(['node', 'install-service', '--stdout']);
    expect(r.stdout).toContain(`ExecStart=${process.execPath} `);
    expect(r.stdout).toContain(`--home ${h.home} node start --foreground`);
  });
});

describe('live events', () => {
  let h: Home;
  let client: DaemonClient;
  beforeAll(async () => {
    h = initHome();
    expect(h.run(['node', 'start']).code).toBe(0);
    client = await connect({ home: h.home });
  });
  afterAll(async () => { await client.close(); h.run(['node', 'stop']); h.cleanup(); });

  it('delivers spans appended through the daemon and by an in-process writer, filtered', async () => {
    const abort = new AbortController();
    const seen: string[] = [];
    const stream = client.subscribe({ tenant: 'acme', tags: ['watch'] }, abort.signal);
    const reading = (async () => {
      for await (const event of stream) {
        if (event.type === 'span') seen.push(event.span.title);
        if (seen.length === 2) break;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    h.run(['log', 'ignored: no tag']);
    h.run(['log', 'from the daemon', '--tag', 'watch']);
    h.run(['log', 'from in-process', '--tag', 'watch'], { env: LOCAL });
    await reading;
    abort.abort();
    expect(seen).toEqual(['from the daemon', 'from in-process']);
  });
});

describe('crash safety', () => {
  let h: Home;
  beforeAll(() => { h = initHome(); });
  afterAll(() => { h.run(['node', 'stop']); h.cleanup(); });

  it('kill -9 during sustained appends, 10 times: every acknowledged span survives and verifies', async () => {
    const acked = new Set<string>();
    for (let round = 0; round < 10; round++) {
      const child = await foreground(h.home);
      const client = await connect({ home: h.home });
      let stop = false;
      const writers = [0, 1, 2].map(async (w) => {
        for (let i = 0; !stop; i++) {
          const drafts = Array.from({ length: w + 1 }, (_, k) => ({ tenant: 'acme', title: `r${round} w${w} ${i}.${k}` }));
          try {
            for (const s of await client.append({ drafts })) acked.add(s.id);
          } catch {
            return; // the daemon died mid-request: this one was never acknowledged
          }
        }
      });
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 250));
      child.kill('SIGKILL');
      stop = true;
      await exited(child);
      await Promise.all(writers);
      await client.close().catch(() => {});
    }
    expect(acked.size).toBeGreaterThan(100);
    const db = new Database(join(h.home, 'data', 'logline.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = new Set((db.prepare('SELECT lower(hex(id)) AS id FROM spans').all() as { id: string }[]).map((r) => r.id));
    db.close();
    const missing = [...acked].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    const v = cli(['--home', h.home, 'verify', '--all', '--json'], { env: LOCAL });
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).ok).toBe(true);
  });
});


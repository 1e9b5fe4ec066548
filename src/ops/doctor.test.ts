import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { signerFromSeed } from '../identity/ed25519.js';
import { Home } from '../node/home.js';
import { initHome, type CliResult } from '../testing/cli.js';
import { buildDrafts } from '../timeline/build.js';
import type { DoctorReport, Finding } from './doctor.js';

type TestHome = ReturnType<typeof initHome>;
const LOCAL = { LOGLINE_DAEMON: 'false' };
const FIXTURE = new URL('../store/fixtures/schema-0001.db', import.meta.url);

const reportOf = (r: CliResult) => JSON.parse(r.stdout) as DoctorReport;
const find = (r: DoctorReport, code: string): Finding | undefined => r.findings.find((f) => f.code === code);
const problems = (r: DoctorReport) => r.findings.filter((f) => f.severity === 'warn' || f.severity === 'error').map((f) => f.code);
const fileSha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('doctor', () => {
  const homes: TestHome[] = [];
  afterEach(() => {
    for (const h of homes.splice(0)) {
      h.run(['node', 'stop']);
      h.cleanup();
    }
  });
  const home = () => {
    const h = initHome('dan', 'acme');
    homes.push(h);
    for (let i = 0; i < 4; i++) h.run(['log', `span ${i}`, '--tag', 't'], { env: LOCAL });
    return h;
  };

  it('passes a healthy home, reads only, and prints every check with its code', () => {
    const h = home();
    const db = join(h.home, 'data', 'logline.db');
    const before = fileSha(db);
    const r = h.run(['doctor', '--json']);
    expect(r.code).toBe(0);
    const report = reportOf(r);
    expect(report.ok).toBe(true);
    expect(report.spans).toEqual({ checked: 5, forks: 0 });
    expect(report.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['DB_INTEGRITY_OK', 'DB_SCHEMA_CURRENT', 'SPANS_OK', 'KEY_OK', 'DAEMON_STOPPED', 'CLOCK_SKEW_UNKNOWN']));
    expect(find(report, 'CLOCK_SKEW_UNKNOWN')!.message).toMatch(/unknown/);
    expect(fileSha(db)).toBe(before);
    const text = h.run(['doctor']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ok\s+DB_INTEGRITY_OK/m);
    expect(text.stdout).toMatch(/^ok: 5 spans checked, 0 forks; no problems$/m);
  });

  it('finds key files and folders open to other users, with the chmod to run', () => {
    const h = home();
    const keys = join(h.home, 'config', 'keys');
    chmodSync(join(keys, 'dan.key'), 0o644);
    chmodSync(keys, 0o755);
    const r = h.run(['doctor', '--json']);
    expect(r.code).toBe(1);
    const report = reportOf(r);
    expect(problems(report)).toEqual(['KEYS_DIR_OPEN', 'KEY_FILE_OPEN']);
    expect(find(report, 'KEY_FILE_OPEN')!.hint).toBe(`chmod 600 ${join(keys, 'dan.key')}`);
    expect(find(report, 'KEYS_DIR_OPEN')!.hint).toBe(`chmod 700 ${keys}`);
    expect(h.run(['doctor']).stdout).toMatch(/^PROBLEMS: 5 spans checked, 0 forks; 2 errors, 0 warnings$/m);
  });

  it('finds a stored span whose body was altered', () => {
    const h = home();
    const file = join(h.home, 'data', 'logline.db');
    const db = new Database(file);
    db.exec('DROP TRIGGER spans_no_update');
    db.prepare("UPDATE spans SET body = replace(body, 'span 2', 'span 7') WHERE title = 'span 2'").run();
    db.close();
    const r = h.run(['doctor', '--json']);
    expect(r.code).toBe(1);
    const bad = find(reportOf(r), 'SPAN_BAD_ID')!;
    expect(bad).toMatchObject({ check: 'spans', severity: 'error', hint: expect.stringContaining('logline restore') });
    expect(bad.message).toMatch(/^1 span: stored body does not hash to/);
    expect(find(reportOf(r), 'SPANS_OK')).toBeUndefined();
  });

  it('reports an older schema without upgrading it', () => {
    const h = home();
    const db = join(h.home, 'data', 'logline.db');
    for (const s of ['', '-wal', '-shm']) rmSync(`${db}${s}`, { force: true });
    copyFileSync(FIXTURE, db);
    const before = fileSha(db);
    const report = reportOf(h.run(['doctor', '--json']));
    expect(find(report, 'DB_SCHEMA_OLD')).toMatchObject({ severity: 'info', message: expect.stringMatching(/^schema 1 of \d+: 0002-/) });
    expect(find(report, 'CHAIN_FORK')).toMatchObject({ severity: 'warn' });
    expect(fileSha(db)).toBe(before);
    expect(readdirSync(join(h.home, 'data')).filter((f) => f.endsWith('.bak'))).toEqual([]);
  });

  it('reports a file that is not a database', () => {
    const h = home();
    const db = join(h.home, 'data', 'logline.db');
    for (const s of ['-wal', '-shm']) rmSync(`${db}${s}`, { force: true });
    writeFileSync(db, 'not a database at all, '.repeat(500));
    const r = h.run(['doctor', '--json']);
    expect(r.code).toBe(1);
    const codes = problems(reportOf(r));
    expect(codes.some((c) => c === 'DB_CORRUPT' || c === 'DB_UNREADABLE')).toBe(true);
  });

  it('sees the running daemon, then the lock and socket a killed one leaves', () => {
    const h = home();
    expect(h.run(['node', 'start']).code).toBe(0);
    const pid = (JSON.parse(h.run(['node', 'status', '--json']).stdout) as { pid: number }).pid;
    const running = reportOf(h.run(['doctor', '--json']));
    expect(find(running, 'DAEMON_RUNNING')).toMatchObject({ severity: 'ok', message: expect.stringContaining(`pid ${pid}`) });
    expect(find(running, 'CLOCK_SKEW_UNKNOWN')!.message).toMatch(/no peer is connected/);
    expect(running.ok).toBe(true);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 200; i++) {
      try { process.kill(pid, 0); } catch { break; }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
    const r = h.run(['doctor', '--json']);
    expect(r.code).toBe(1);
    expect(problems(reportOf(r))).toEqual(['LOCK_STALE', 'SOCKET_STALE']);
  });

  it('shows a clock running ahead when replicated spans arrive before their time', async () => {
    const h = home();
    const node = new Home({ home: h.home });
    try {
      const peer = signerFromSeed(createHash('sha256').update('doctor clock peer').digest());
      const ts = new Date(Date.now() + 10 * 60_000).toISOString();
      const built = buildDrafts([{ tenant: 'ahead', title: 'tenant.created', kind: 'system', data: { name: 'ahead', slug: 'ahead' }, ts }], peer.did, new Map(), () => undefined).built;
      const spans = built.map((b) => ({ ...b.span, sig: peer.sign(b.id).toString('hex') }));
      const [result] = node.timeline.ingest(spans, '12D3KooWpeer');
      expect(result.outcome).toBe('stored');
    } finally {
      await node.close();
    }
    const report = reportOf(h.run(['doctor', '--json']));
    const ahead = find(report, 'CLOCK_AHEAD')!;
    expect(ahead.severity).toBe('warn');
    expect((ahead.details as { aheadMs: number }).aheadMs).toBeGreaterThan(9 * 60_000);
  });
});

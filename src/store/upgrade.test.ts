import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '../api/types.js';
import { initHome, type CliResult } from '../testing/cli.js';
import type { Span } from '../timeline/span.js';
import { loadMigrations, upgradeBackupPath } from './migrate.js';

/**
 * A database written by the first schema (migrations/0001-spans.sql alone), committed with the spans its
 * generator (fixtures/make-schema-0001.mjs) signed with logline's own code, opened by the current binary.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/schema-0001.db', import.meta.url));
const SPANS = readFileSync(fileURLToPath(new URL('./fixtures/schema-0001.ndjson', import.meta.url)), 'utf8').trim().split('\n');
const fixture: Span[] = SPANS.map((l) => JSON.parse(l) as Span);

describe('a database of the first schema, opened by this binary', () => {
  let home: ReturnType<typeof initHome>;
  let db: string;
  let first: CliResult;
  const json = <T>(args: string[]): T => {
    const r = home.run([...args, '--json']);
    expect(r.stderr).not.toMatch(/INTERNAL/);
    return JSON.parse(r.stdout) as T;
  };
  const ids = (spans: readonly Span[]) => spans.map((s) => s.id).sort();
  const page = (args: string[]) => ids(json<Page>(['timeline', '--all-tenants', '--limit', '1000', ...args]).spans);
  const expected = (keep: (s: Span) => boolean) => {
    const list = ids(fixture.filter(keep));
    expect(list.length).toBeGreaterThan(0); // every filter here matches some spans and leaves others out
    expect(list.length).toBeLessThan(fixture.length);
    return list;
  };

  beforeAll(() => {
    home = initHome('dan', 'acme');
    db = join(home.home, 'data', 'logline.db');
    for (const s of ['', '-wal', '-shm']) rmSync(`${db}${s}`, { force: true });
    copyFileSync(FIXTURE, db);
    first = home.run(['timeline', '--all-tenants', '--limit', '1000', '--json']);
  });
  afterAll(() => home?.cleanup());

  it('is upgraded on open, in one step, after a copy of the old file is kept beside it', () => {
    expect(first.code).toBe(0);
    const latest = loadMigrations().length;
    const backup = upgradeBackupPath(db, 1);
    expect(first.stderr).toContain(`upgraded the database from schema 1 to ${latest}`);
    expect(first.stderr).toContain(backup);
    const kept = new Database(backup, { readonly: true });
    expect(kept.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    expect(kept.prepare('SELECT count(*) FROM spans').pluck().get()).toBe(fixture.length);
    kept.close();
    const now = new Database(db, { readonly: true });
    expect(now.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(loadMigrations().map((m) => m.version));
    now.close();
    // opening again changes nothing and copies nothing
    rmSync(backup);
    expect(home.run(['timeline', '--all-tenants']).stderr).not.toContain('upgraded');
    expect(existsSync(backup)).toBe(false);
  });

  it('still verifies every span: ids, signatures and chains, with the fork kept as evidence', () => {
    const r = home.run(['verify', '--all', '--json']);
    const report = JSON.parse(r.stdout) as { checked: number; forks: number; findings: { code: string }[] };
    expect(report.checked).toBe(fixture.length);
    expect(report.forks).toBe(1);
    expect(report.findings.map((f) => f.code)).toEqual(['CHAIN_FORK']);
  });

  it('answers the timeline and its filters as the spans say', () => {
    expect(ids((JSON.parse(first.stdout) as Page).spans)).toEqual(ids(fixture));
    expect(ids(json<Page>(['timeline', '--tenant', 'beta']).spans)).toEqual(expected((s) => s.tenant === 'beta'));
    expect(page(['--tag', 'deploy'])).toEqual(expected((s) => s.tags?.includes('deploy') === true));
    expect(page(['--tag', 'deploy', '--tag', 'web'])).toEqual(expected((s) => s.tags?.includes('deploy') === true && s.tags.includes('web')));
    const eve = fixture.find((s) => s.title === 'Reviewed invoice 42')!.author;
    expect(page(['--author', eve])).toEqual(expected((s) => s.author === eve));
    expect(page(['--status', 'reverted'])).toEqual(expected((s) => s.status === 'reverted'));
    expect(page(['--contract', 'c-7'])).toEqual(expected((s) => s.contract_id === 'c-7'));
    expect(page(['--workflow', 'release'])).toEqual(expected((s) => s.workflow_id === 'release'));
    expect(page(['--flow', 'f-1'])).toEqual(expected((s) => s.flow_id === 'f-1'));
    const mid = fixture[4].ts;
    expect(page(['--since', mid])).toEqual(expected((s) => s.ts >= mid));
    expect(page(['--until', mid])).toEqual(expected((s) => s.ts < mid));
    // newest first, by ts
    const order = json<Page>(['timeline', '--all-tenants', '--limit', '1000']).spans.map((s) => s.ts);
    expect(order).toEqual([...order].sort().reverse());
  });

  it('pages with a cursor through every span', () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p: Page = json<Page>(['timeline', '--all-tenants', '--limit', '3', ...(cursor ? ['--cursor', cursor] : [])]);
      seen.push(...p.spans.map((s) => s.id));
      cursor = p.next;
    } while (cursor);
    expect(seen.sort()).toEqual(ids(fixture));
  });

  it('searches titles and data', () => {
    const words = (s: Span) => `${s.title} ${JSON.stringify(s.data ?? {})}`.toLowerCase();
    expect(ids(json<Page>(['search', 'invoice', '--all-tenants']).spans)).toEqual(expected((s) => /\binvoice\b/.test(words(s))));
    expect(ids(json<Page>(['search', 'latency', '--all-tenants']).spans)).toEqual(expected((s) => words(s).includes('latency')));
    expect(ids(json<Page>(['search', 'unicode', '--all-tenants']).spans)).toEqual(expected((s) => s.visibility === 'private'));
  });

  it('gets every span by id and by prefix, exactly as it was signed', () => {
    for (const span of fixture) {
      expect(json<Span>(['span', 'show', span.id])).toEqual(span);
    }
    expect(json<Span>(['span', 'show', fixture[2].id.slice(0, 10)])).toEqual(fixture[2]);
  });

  it('exports the same signed lines', () => {
    const r = home.run(['export', '--all-tenants']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual([...SPANS].sort());
  });

  it('passes doctor, which reports the fork', () => {
    const r = home.run(['doctor', '--json']);
    const report = JSON.parse(r.stdout) as { findings: { code: string; severity: string }[]; spans: { checked: number; forks: number } };
    const codes = report.findings.filter((f) => f.severity !== 'ok' && f.severity !== 'info').map((f) => f.code);
    expect(codes).toEqual(['CHAIN_FORK']);
    expect(report.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['DB_INTEGRITY_OK', 'DB_SCHEMA_CURRENT', 'SPANS_OK']));
    expect(report.spans).toEqual({ checked: fixture.length, forks: 1 });
    expect(r.code).toBe(1);
  });
});

import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/cli.js';
import { openDb } from './db.js';
import { loadMigrations, migrate, MIGRATIONS_DIR, upgradeBackupPath } from './migrate.js';

describe('migrations', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => { while (cleanups.length) cleanups.pop()!(); });
  const dbFile = () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    return join(t.dir, 'test.db');
  };

  it('applies every migration once, in one transaction, and records its sha256', () => {
    const file = dbFile();
    openDb(file).close();
    const db = new Database(file);
    const rows = db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all() as { version: number; name: string; sha256: string }[];
    const files = loadMigrations();
    expect(rows).toEqual(files.map((m) => ({ version: m.version, name: m.name, sha256: m.sha256 })));
    expect(migrate(db).applied).toEqual([]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database newer than the binary', () => {
    const file = dbFile();
    openDb(file).close();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations VALUES (999, '0999-future.sql', 'x', '2030-01-01T00:00:00.000Z')").run();
    db.close();
    expect(() => openDb(file)).toThrow(expect.objectContaining({ code: 'DB_TOO_NEW' }));
  });

  it('refuses an applied migration whose file changed', () => {
    const file = dbFile();
    openDb(file).close();
    const db = new Database(file);
    db.prepare("UPDATE schema_migrations SET sha256 = 'changed' WHERE version = 1").run();
    db.close();
    expect(() => openDb(file)).toThrow(expect.objectContaining({ code: 'DB_MIGRATION_CHANGED' }));
  });

  it('rolls back every pending migration when one fails', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dir = join(t.dir, 'migrations');
    mkdirSync(dir);
    copyFileSync(join(MIGRATIONS_DIR, '0001-spans.sql'), join(dir, '0001-spans.sql'));
    writeFileSync(join(dir, '0002-broken.sql'), 'CREATE TABLE ok_table (x INTEGER) STRICT; THIS IS NOT SQL;');
    const db = new Database(join(t.dir, 'x.db'));
    expect(() => migrate(db, loadMigrations(dir))).toThrow();
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('spans', 'ok_table')").get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
    db.close();
  });

  it('copies a database that has data aside before upgrading it, and a new one not', () => {
    const file = dbFile();
    const all = loadMigrations();
    const db = new Database(file);
    expect(migrate(db, all.slice(0, 1))).toMatchObject({ applied: ['0001-spans.sql'], from: 0, backup: null });
    db.prepare("INSERT INTO authors (did) VALUES ('did:key:old')").run();
    const result = migrate(db, all);
    expect(result).toEqual({ applied: all.slice(1).map((m) => m.name), from: 1, to: all.length, backup: upgradeBackupPath(file, 1) });
    const kept = new Database(result.backup!, { readonly: true });
    expect(kept.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    expect(kept.prepare('SELECT did FROM authors').pluck().all()).toEqual(['did:key:old']);
    kept.close();
    expect(migrate(db, all)).toEqual({ applied: [], from: all.length, to: all.length, backup: null });
    db.close();
    expect(readdirSync(join(file, '..')).filter((f) => f.endsWith('.bak'))).toEqual(['test.db.pre-upgrade-schema-1.bak']);
  });

  it('keeps the copy and the old schema when the upgrade fails', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dir = join(t.dir, 'migrations');
    mkdirSync(dir);
    copyFileSync(join(MIGRATIONS_DIR, '0001-spans.sql'), join(dir, '0001-spans.sql'));
    const file = join(t.dir, 'x.db');
    const db = new Database(file);
    migrate(db, loadMigrations(dir));
    writeFileSync(join(dir, '0002-broken.sql'), 'CREATE TABLE ok_table (x INTEGER) STRICT; THIS IS NOT SQL;');
    expect(() => migrate(db, loadMigrations(dir))).toThrow();
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    expect(existsSync(upgradeBackupPath(file, 1))).toBe(true);
    db.close();
  });

  it('upgrades without a copy when asked, and never copies an in-memory database', () => {
    const file = dbFile();
    const all = loadMigrations();
    const db = new Database(file);
    migrate(db, all.slice(0, 1));
    expect(migrate(db, all, { backup: false }).backup).toBeNull();
    expect(existsSync(upgradeBackupPath(file, 1))).toBe(false);
    db.close();
    const mem = new Database(':memory:');
    migrate(mem, all.slice(0, 1));
    expect(migrate(mem, all)).toMatchObject({ from: 1, backup: null });
    mem.close();
  });

  it('refuses a gap in the numbering', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    writeFileSync(join(t.dir, '0002-x.sql'), 'SELECT 1;');
    expect(() => loadMigrations(t.dir)).toThrow(expect.objectContaining({ code: 'DB_MIGRATIONS_GAP' }));
  });

  it('keeps spans append-only', () => {
    const file = dbFile();
    const db = openDb(file);
    db.prepare("INSERT INTO authors (did) VALUES ('did:key:x')").run();
    db.prepare(`INSERT INTO spans (id, id8, sig, author, tenant, seq, prev, ts, title, status, kind, visibility, body, received_at)
      VALUES (zeroblob(32), 0, zeroblob(64), 1, 't', 1, NULL, 'ts', 'x', 'executed', 'user', 'organization', '{}', 0)`).run();
    expect(() => db.prepare("UPDATE spans SET title = 'y'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM spans').run()).toThrow(/append-only/);
    db.close();
  });
});

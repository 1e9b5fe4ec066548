import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/cli.js';
import { openDb } from './db.js';
import { loadMigrations, migrate, MIGRATIONS_DIR } from './migrate.js';

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

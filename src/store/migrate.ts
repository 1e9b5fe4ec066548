import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { LoglineError } from '../errors/errors.js';
import { PACKAGE_ROOT } from '../package-root.js';

/** The folder of numbered migrations shipped with the package. */
export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations');
const NAME = /^(\d{4})-[a-z0-9-]+\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  sha256: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => NAME.test(f)).sort();
  return files.map((name, i) => {
    const version = Number(NAME.exec(name)![1]);
    if (version !== i + 1) throw new LoglineError('DB_MIGRATIONS_GAP', `migration ${name} is out of sequence`, { hint: 'migrations are numbered 0001, 0002, … without gaps' });
    const sql = readFileSync(join(dir, name), 'utf8');
    return { version, name, sql, sha256: createHash('sha256').update(sql).digest('hex') };
  });
}

/**
 * Applies pending migrations in one transaction and records each with its sha256. Refuses a database whose
 * applied migrations differ from the files, or that is newer than this binary.
 */
export function migrate(db: Database, migrations: Migration[] = loadMigrations()): { applied: string[] } {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
  const applied = db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all() as { version: number; name: string; sha256: string }[];
  for (const row of applied) {
    const known = migrations[row.version - 1];
    if (known === undefined) {
      throw new LoglineError('DB_TOO_NEW', `the database has migration ${row.name}, which this logline does not know`, {
        hint: 'upgrade logline to the version that wrote this database',
      });
    }
    if (known.sha256 !== row.sha256) {
      throw new LoglineError('DB_MIGRATION_CHANGED', `migration ${row.name} was changed after it was applied`, {
        hint: 'migrations are forward only: restore the original file and add a new migration instead',
      });
    }
  }
  const pending = migrations.slice(applied.length);
  if (pending.length === 0) return { applied: [] };
  const record = db.prepare('INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.version, m.name, m.sha256, new Date().toISOString());
    }
  }).immediate();
  return { applied: pending.map((m) => m.name) };
}

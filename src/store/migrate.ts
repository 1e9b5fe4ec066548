import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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

export interface MigrateResult {
  /** Names of the migrations applied now (empty when the schema was current). */
  applied: string[];
  /** Schema version before and after. */
  from: number;
  to: number;
  /** Where the database was copied before it was upgraded; null when nothing was upgraded or no copy was asked. */
  backup: string | null;
}

export interface MigrateOptions {
  /**
   * Before upgrading a database that has data (at least one applied migration), copy it next to itself as
   * `<file>.pre-upgrade-schema-<N>.bak` (default: true for a database in a file).
   */
  backup?: boolean;
}

type Applied = { version: number; name: string; sha256: string };

/**
 * Applies pending migrations in one transaction and records each with its sha256. Refuses a database whose
 * applied migrations differ from the files, or that is newer than this binary. A database written by an older
 * schema is first copied aside (`VACUUM INTO`: a consistent, compact snapshot, even while others write).
 */
export function migrate(db: Database, migrations: Migration[] = loadMigrations(), opts: MigrateOptions = {}): MigrateResult {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
  const readApplied = () => db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all() as Applied[];
  const before = checkApplied(readApplied(), migrations);
  const from = before.length;
  if (from === migrations.length) return { applied: [], from, to: from, backup: null };
  const backup = from > 0 && (opts.backup ?? true) && !db.memory && db.name !== '' ? copyAside(db, from) : null;
  const record = db.prepare('INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)');
  const applied = db.transaction(() => {
    // read again under the write lock: another process may have upgraded the file meanwhile
    const pending = migrations.slice(checkApplied(readApplied(), migrations).length);
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.version, m.name, m.sha256, new Date().toISOString());
    }
    return pending.map((m) => m.name);
  }).immediate();
  // when another process upgraded the file meanwhile, the copy stays (it is a good one) but is not ours to report
  return { applied, from, to: migrations.length, backup: applied.length === 0 ? null : backup };
}

/** The applied migrations, after checking that each is one of `migrations`, unchanged. */
function checkApplied(applied: Applied[], migrations: Migration[]): Applied[] {
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
  return applied;
}

/** The name of the copy kept before an upgrade from schema `version`. */
export function upgradeBackupPath(file: string, version: number): string {
  return `${file}.pre-upgrade-schema-${version}.bak`;
}

function copyAside(db: Database, version: number): string {
  const target = upgradeBackupPath(db.name, version);
  const tmp = `${target}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(tmp);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new LoglineError('DB_UPGRADE_BACKUP_FAILED', `cannot copy the database aside before upgrading it: ${(e as Error).message}`, {
      hint: `free some disk space next to ${db.name} (the copy is about the size of the database), then try again`,
    });
  }
  // a copy left by an earlier, failed upgrade from the same schema is older than this one: it is replaced
  renameSync(tmp, target);
  return target;
}

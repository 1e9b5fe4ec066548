import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { LoglineError } from '../errors/errors.js';
import { migrate, type MigrateResult } from './migrate.js';

export type Db = Database.Database;

/**
 * The native addon's path, found once. Handing it to better-sqlite3 skips the `bindings` package's search of a
 * dozen candidate paths; the addon itself loads on the first open, so commands served by the daemon never pay.
 */
let addonPath: string | undefined;
function nativeBinding(): string {
  addonPath ??= createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  return addonPath;
}

export interface OpenInit {
  /** Wait this long for another writer's lock before failing (several CLI processes may write at once). */
  busyTimeoutMs?: number;
  readonly?: boolean;
  /** Told when opening upgraded the schema (with where the copy of the old database was kept). */
  onUpgrade?: (result: MigrateResult & { file: string }) => void;
  /** Copy an older database aside before upgrading it (default true). */
  upgradeBackup?: boolean;
}

/**
 * Opens an existing SQLite file as it is: no pragmas, no migrations. For tools that look at a database without
 * making it current (doctor, backup copies, restore checks).
 */
export function openRaw(file: string, init: { readonly?: boolean } = {}): Db {
  try {
    return new Database(file, { readonly: init.readonly ?? false, fileMustExist: true, nativeBinding: nativeBinding() });
  } catch (e) {
    throw new LoglineError('DB_OPEN_FAILED', `cannot open the database ${file}: ${(e as Error).message}`, {
      hint: 'check that the file exists and is readable',
    });
  }
}

/** Opens (creating if needed) the node database: WAL, foreign keys, migrations applied. */
export function openDb(file: string, init: OpenInit = {}): Db {
  let db: Db;
  try {
    db = new Database(file, { readonly: init.readonly ?? false, fileMustExist: init.readonly ?? false, nativeBinding: nativeBinding() });
  } catch (e) {
    throw new LoglineError('DB_OPEN_FAILED', `cannot open the database ${file}: ${(e as Error).message}`, {
      hint: 'check that the path exists and is writable, or run `logline init`',
    });
  }
  try {
    db.pragma(`busy_timeout = ${init.busyTimeoutMs ?? 15000}`);
    if (!init.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    // page cache: 32 MiB for the node's connection, 8 MiB for a read-only one (exports, scans)
    db.pragma(`cache_size = ${init.readonly ? -8192 : -32768}`);
    if (!init.readonly) {
      const result = migrate(db, undefined, { backup: init.upgradeBackup });
      if (result.applied.length > 0 && result.from > 0) init.onUpgrade?.({ ...result, file });
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof LoglineError) throw e;
    throw new LoglineError('DB_OPEN_FAILED', `cannot open the database ${file}: ${(e as Error).message}`, {
      hint: 'the file may not be a logline database; `logline doctor` checks it',
    });
  }
}

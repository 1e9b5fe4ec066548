import { createHash } from 'node:crypto';
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LoglineError } from '../errors/errors.js';
import { openDb, openRaw } from '../store/db.js';
import { loadMigrations } from '../store/migrate.js';
import { VERSION } from '../version.js';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, ENTRY, KEYS_ENCRYPTION, sealKeys, sha256, writeBackup, type BackupManifest, type KeysBundle } from './archive.js';
import { forkCount, schemaState, tenantCounts } from './db-facts.js';

/** Pages copied per step of the online backup (4 KiB each, 16 MiB a step): steps keep the progress line moving. */
const STEP_PAGES = 4096;

export interface BackupInit {
  /** The node's database file. */
  db: string;
  /** The backup file to write. */
  out: string;
  /** Overwrite `out` if it exists. */
  force?: boolean;
  /** The config file to include (it holds no secrets), if there is one. */
  configFile?: string;
  /** The key files to include, sealed with the passphrase. */
  keys?: { bundle: KeysBundle; passphrase: string };
  onProgress?: (donePages: number, totalPages: number) => void;
}

export interface BackupResult {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

/**
 * Writes a backup of a node's database while others keep writing to it. The copy is made with SQLite's online
 * backup API from a connection of this process, inside one read transaction: in WAL mode a reader never blocks
 * the daemon's writers, and the open transaction pins one snapshot, so the copy is consistent and is not
 * restarted by the writes that land meanwhile (they go to the WAL, after the snapshot).
 */
export async function backup(init: BackupInit): Promise<BackupResult> {
  if (!existsSync(init.db)) throw new LoglineError('NO_DATABASE', `there is no database at ${init.db}`, { hint: 'nothing to back up: this home has stored no span yet' });
  if (!existsSync(dirname(init.out))) throw LoglineError.usage('BAD_BACKUP_PATH', `the folder ${dirname(init.out)} does not exist`);
  if (existsSync(init.out) && !init.force) throw new LoglineError('BACKUP_EXISTS', `${init.out} exists`, { hint: 'choose another file name, or pass --force to overwrite it' });
  const copy = join(dirname(init.out), `.${basename(init.out)}.${process.pid}.db`);
  const created = new Date().toISOString(); // the snapshot is taken right after
  try {
    await snapshot(init.db, copy, init.onProgress);
    const facts = describeCopy(copy);
    const keys = init.keys ? sealKeys(init.keys.bundle, init.keys.passphrase) : null;
    const config = init.configFile !== undefined && existsSync(init.configFile) ? readFileSync(init.configFile) : null;
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      created,
      logline: VERSION,
      ...facts,
      db: { entry: ENTRY.db, bytes: statSync(copy).size, sha256: fileSha256(copy) },
      config: config ? { entry: ENTRY.config, bytes: config.length, sha256: sha256(config) } : null,
      keys: keys && init.keys
        ? { entry: ENTRY.keys, bytes: keys.length, sha256: sha256(keys), handles: init.keys.bundle.keys.map((k) => k.handle), encryption: KEYS_ENCRYPTION }
        : null,
    };
    writeBackup(init.out, manifest, copy, config, keys);
    return { file: init.out, bytes: statSync(init.out).size, manifest };
  } finally {
    for (const f of [copy, `${copy}-journal`, `${copy}-wal`, `${copy}-shm`]) rmSync(f, { force: true });
  }
}

async function snapshot(file: string, copy: string, onProgress: BackupInit['onProgress']): Promise<void> {
  const src = openDb(file, { readonly: true });
  let fd: number | undefined;
  try {
    src.exec('BEGIN');
    src.prepare('SELECT count(*) FROM sqlite_master').get(); // the read transaction (and its snapshot) starts here
    await src.backup(copy, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        // flush each step's pages now (as tar.ts does): no long flush at the end for the daemon's fsyncs to wait on
        if (existsSync(copy)) fdatasyncSync(fd ??= openSync(copy, 'r+'));
        return STEP_PAGES;
      },
    });
    catchUp(file, () => src.exec('COMMIT'));
  } finally {
    if (fd !== undefined) closeSync(fd);
    src.close();
  }
}

/**
 * Ends the snapshot and at once checkpoints the WAL that grew meanwhile, from this process: otherwise the next
 * commit of the daemon would run that whole checkpoint itself, inside an append. A passive checkpoint blocks no
 * writer; if the daemon's own checkpoint got there first, this one finds it busy and returns.
 */
function catchUp(file: string, release: () => void): void {
  let ck;
  try {
    ck = openRaw(file);
  } catch {
    release();
    return;
  }
  try {
    release();
    ck.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or read-only: the daemon checkpoints as it always does
  } finally {
    ck.close();
  }
}

/** Turns the copy into a single self-contained file (rollback journal, no WAL) and reads its facts. */
function describeCopy(copy: string): Pick<BackupManifest, 'schema' | 'spans' | 'forks' | 'tenants'> {
  const db = openRaw(copy);
  try {
    db.pragma('journal_mode = DELETE');
    const schema = schemaState(db, loadMigrations());
    const tenants = tenantCounts(db);
    return {
      schema: { version: schema.version, migrations: schema.applied.map((m) => m.name) },
      spans: tenants.reduce((n, t) => n + t.spans, 0),
      forks: forkCount(db),
      tenants,
    };
  } finally {
    db.close();
  }
}

function fileSha256(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

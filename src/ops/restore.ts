import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Paths } from '../config/paths.js';
import { acquireLock } from '../daemon/lock.js';
import { LoglineError } from '../errors/errors.js';
import type { CryptoPool } from '../identity/crypto-pool.js';
import type { Keystore } from '../identity/keystore.js';
import { openDb, openRaw } from '../store/db.js';
import { openBackup, unsealKeys, type BackupManifest, type KeysBundle, type OpenedBackup } from './archive.js';
import { checkCopy } from './check-copy.js';
import { countChanges, tenantCounts, type CountChange, type TenantCount } from './db-facts.js';
import { copyEntry, readEntry } from './tar.js';

export interface RestoreInit {
  file: string;
  paths: Paths;
  keystore: Keystore;
  /** Restore the key files too (the backup must hold them); needs `passphrase`. */
  keys?: boolean;
  passphrase?: string;
  crypto?: CryptoPool;
  onProgress?: (phase: 'copy' | 'verify', done: number, total: number) => void;
}

export interface RestoreReport {
  file: string;
  backup: Pick<BackupManifest, 'created' | 'logline' | 'spans' | 'forks'> & { schema: number };
  /** Where the database that was here is kept now; null when there was none. */
  previous: string | null;
  /** Span counts of the database that was here: null when there was none or it could not be read. */
  before: TenantCount[] | null;
  beforeState: 'none' | 'read' | 'unreadable';
  after: TenantCount[];
  changes: CountChange[];
  /** Set when the backup's schema was older and was brought forward. */
  migrated: { from: number; to: number } | null;
  keys: { restored: string[]; present: string[] } | null;
  config: 'restored' | 'kept' | 'none';
}

/**
 * Replaces a home's database with a backup's, after checking everything first: the archive frame and the
 * manifest, the database's sha256, `PRAGMA integrity_check`, the schema, the span counts, and every span's id,
 * signature and chain. Until all of that passes nothing in the home changes. Holds the daemon lock meanwhile,
 * so no daemon can start on the home; refuses while one runs.
 */
export async function restore(init: RestoreInit): Promise<RestoreReport> {
  const release = lockHome(init.paths.lock);
  const staged = join(init.paths.data, `.restore-${process.pid}.db`);
  const cleanStaged = () => { for (const s of ['', '-journal', '-wal', '-shm']) rmSync(`${staged}${s}`, { force: true }); };
  let bk: OpenedBackup | undefined;
  try {
    bk = openBackup(init.file);
    const m = bk.manifest;
    const bundle = init.keys ? openKeys(bk, init) : null;
    mkdirSync(init.paths.data, { recursive: true, mode: 0o700 });
    extract(bk, staged, init.onProgress);
    const config = bk.config ? readEntry(bk.fd, bk.config) : null;
    await checkCopy(staged, m, { crypto: init.crypto, onProgress: (d, t) => init.onProgress?.('verify', d, t) });
    const migrated = bringForward(staged);
    const { before, beforeState } = countsBefore(init.paths.db);
    const previous = swap(init.paths.db, staged);
    const keys = bundle ? writeKeys(init.keystore, bundle) : null;
    let configState: RestoreReport['config'] = 'none';
    if (config) {
      configState = existsSync(init.paths.configFile) ? 'kept' : 'restored';
      if (configState === 'restored') {
        mkdirSync(init.paths.config, { recursive: true, mode: 0o700 });
        writeFileSync(init.paths.configFile, config, { mode: 0o600 });
      }
    }
    return {
      file: init.file,
      backup: { created: m.created, logline: m.logline, spans: m.spans, forks: m.forks, schema: m.schema.version },
      previous,
      before,
      beforeState,
      after: m.tenants,
      changes: countChanges(before ?? [], m.tenants),
      migrated,
      keys,
      config: configState,
    };
  } finally {
    bk?.close();
    cleanStaged();
    release();
  }
}

function lockHome(lock: string): () => void {
  try {
    return acquireLock(lock);
  } catch (e) {
    if (e instanceof LoglineError && e.code === 'DAEMON_RUNNING') {
      throw new LoglineError('DAEMON_RUNNING', `${e.message}: restore replaces the database under it`, { hint: '`logline node stop`, restore, then `logline node start`' });
    }
    throw e;
  }
}

/** Opens the sealed keys and checks they fit this home, before anything is written. */
function openKeys(bk: OpenedBackup, init: RestoreInit): KeysBundle {
  if (!bk.keys) throw new LoglineError('BACKUP_HAS_NO_KEYS', `${bk.file} holds no key files`, { hint: 'it was made without --keys; restore without --keys' });
  if (init.passphrase === undefined) {
    throw LoglineError.usage('PASSPHRASE_REQUIRED', 'the keys of a backup are sealed with a passphrase', 'set LOGLINE_PASSPHRASE or pass --passphrase-file FILE');
  }
  const bundle = unsealKeys(readEntry(bk.fd, bk.keys), init.passphrase);
  for (const k of bundle.keys) {
    if (init.keystore.has(k.handle) && init.keystore.get(k.handle).did !== k.did) {
      throw new LoglineError('KEY_CONFLICT', `this home has another key under the handle "${k.handle}"`, { hint: 'restore into an empty home, or move that key file away first' });
    }
  }
  return bundle;
}

/** Copies the database out of the archive, checking its sha256 on the way. */
function extract(bk: OpenedBackup, target: string, onProgress: RestoreInit['onProgress']): void {
  const hash = createHash('sha256');
  const fd = openSync(target, 'w', 0o600);
  try {
    let done = 0;
    copyEntry(bk.fd, bk.db, (chunk) => {
      hash.update(chunk);
      writeSync(fd, chunk);
      done += chunk.length;
      onProgress?.('copy', done, bk.db.size);
    });
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (hash.digest('hex') !== bk.manifest.db.sha256) {
    throw new LoglineError('BACKUP_CORRUPT', `the backup is damaged: ${bk.manifest.db.entry} does not match its sha256`, { hint: 'use another copy of the backup' });
  }
}

/** Applies this binary's pending migrations to the staged copy (no extra copy: the backup file is the copy). */
function bringForward(staged: string): { from: number; to: number } | null {
  let migrated: { from: number; to: number } | null = null;
  const db = openDb(staged, { upgradeBackup: false, onUpgrade: (u) => { migrated = { from: u.from, to: u.to }; } });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return migrated;
}

/** Moves the current database (and its WAL) aside and the staged one into place. Returns where the old one went. */
function swap(db: string, staged: string): string | null {
  let previous: string | null = null;
  if (existsSync(db)) {
    previous = `${db}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    // the WAL and shared-memory files travel with their database, so the kept copy opens as it was
    for (const s of ['', '-wal', '-shm']) if (existsSync(`${db}${s}`)) renameSync(`${db}${s}`, `${previous}${s}`);
  }
  renameSync(staged, db);
  return previous;
}

function writeKeys(keystore: Keystore, bundle: KeysBundle): { restored: string[]; present: string[] } {
  const out = { restored: [] as string[], present: [] as string[] };
  for (const k of bundle.keys) (keystore.restoreFile(k.handle, k.text) ? out.restored : out.present).push(k.handle);
  return out;
}

/** The span counts of the database about to be replaced; a damaged one (the usual reason to restore) is no error. */
function countsBefore(file: string): Pick<RestoreReport, 'before' | 'beforeState'> {
  if (!existsSync(file)) return { before: null, beforeState: 'none' };
  try {
    const db = openRaw(file, { readonly: true });
    try {
      return { before: tenantCounts(db), beforeState: 'read' };
    } finally {
      db.close();
    }
  } catch {
    return { before: null, beforeState: 'unreadable' };
  }
}

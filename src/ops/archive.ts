import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { LoglineError } from '../errors/errors.js';
import { seal, unseal, type Sealed } from '../identity/sealed.js';
import type { TenantCount } from './db-facts.js';
import { readEntry, readTar, TarError, TarWriter, type TarEntry } from './tar.js';

/**
 * The backup file: one POSIX tar holding `manifest.json` (first, so that a glance tells what the file is),
 * `logline.db` (a consistent SQLite copy, in rollback-journal mode), `config.toml` (no secrets in it) and,
 * with `--keys`, `keys.sealed.json` (the key files, sealed with a passphrase). `tar tf` lists it; `tar xf` unpacks it.
 */
export const BACKUP_FORMAT = 'logline-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const ENTRY = { manifest: 'manifest.json', db: 'logline.db', config: 'config.toml', keys: 'keys.sealed.json' } as const;
/** Binds the sealed keys to what they are: a box from elsewhere does not open as a backup's keys. */
const KEYS_AAD = 'logline/backup-keys/v1';
export const KEYS_ENCRYPTION = 'scrypt (N=32768, r=8, p=1) + AES-256-GCM';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  created: string;
  /** Version of the logline that wrote it. */
  logline: string;
  schema: { version: number; migrations: string[] };
  spans: number;
  forks: number;
  tenants: TenantCount[];
  db: { entry: string; bytes: number; sha256: string };
  config: { entry: string; bytes: number; sha256: string } | null;
  keys: { entry: string; bytes: number; sha256: string; handles: string[]; encryption: string } | null;
}

/** What `keys.sealed.json` holds once opened: the key files as they were on disk. */
export interface KeysBundle {
  v: 1;
  keys: { handle: string; did: string; text: string }[];
}

export function sealKeys(bundle: KeysBundle, passphrase: string): Buffer {
  return Buffer.from(`${JSON.stringify({ v: 1, ...seal(Buffer.from(JSON.stringify(bundle)), passphrase, KEYS_AAD) })}\n`);
}

export function unsealKeys(blob: Buffer, passphrase: string): KeysBundle {
  let box: Sealed;
  try {
    box = JSON.parse(blob.toString('utf8')) as Sealed;
  } catch {
    throw corrupt('the sealed keys are not JSON');
  }
  const plain = unseal(box, passphrase, KEYS_AAD);
  if (plain === null) throw new LoglineError('BACKUP_BAD_PASSPHRASE', 'the passphrase does not open the keys of this backup', { hint: 'give the passphrase used for `logline backup --keys` (--passphrase-file or LOGLINE_PASSPHRASE)' });
  return JSON.parse(plain.toString('utf8')) as KeysBundle;
}

/** Writes the backup file: into a temp file beside `out`, synced, then renamed into place. */
export function writeBackup(out: string, manifest: BackupManifest, dbCopy: string, config: Buffer | null, keys: Buffer | null): void {
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    const tar = new TarWriter(tmp);
    try {
      tar.add(ENTRY.manifest, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
      tar.addFile(ENTRY.db, dbCopy);
      if (config) tar.add(ENTRY.config, config);
      if (keys) tar.add(ENTRY.keys, keys);
    } finally {
      tar.close();
    }
    const fd = openSync(tmp, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export interface OpenedBackup {
  file: string;
  fd: number;
  manifest: BackupManifest;
  db: TarEntry;
  config: TarEntry | null;
  keys: TarEntry | null;
  close(): void;
}

function foreign(file: string, why: string): LoglineError {
  return new LoglineError('BACKUP_FOREIGN', `${file} is not a logline backup: ${why}`, { hint: 'give a file written by `logline backup`' });
}

function corrupt(why: string): LoglineError {
  return new LoglineError('BACKUP_CORRUPT', `the backup is damaged: ${why}`, { hint: 'use another copy of the backup' });
}

/**
 * Opens a backup and checks its frame: a tar whose first entry is a logline manifest, with every entry the
 * manifest names, whole and of the size it gives. The database's sha256 is checked as it is copied out.
 */
export function openBackup(file: string): OpenedBackup {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new LoglineError('BACKUP_NOT_FOUND', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'check the path of the backup file' });
  }
  try {
    let entries: TarEntry[];
    try {
      entries = readTar(fd);
    } catch (e) {
      if (!(e instanceof TarError)) throw e;
      if (e.kind === 'foreign') throw foreign(file, e.message);
      if (e.kind === 'truncated') throw new LoglineError('BACKUP_TRUNCATED', `${file} is cut short: ${e.message}`, { hint: 'the copy was interrupted; use another copy of the backup' });
      throw corrupt(e.message);
    }
    if (entries[0].name !== ENTRY.manifest) throw foreign(file, `its first entry is ${entries[0].name}, not ${ENTRY.manifest}`);
    const manifest = parseManifest(file, readEntry(fd, entries[0]));
    const find = (name: string, bytes: number) => {
      const entry = entries.find((e) => e.name === name);
      if (!entry) throw corrupt(`${name} is missing`);
      if (entry.size !== bytes) throw corrupt(`${name} holds ${entry.size} bytes, the manifest says ${bytes}`);
      return entry;
    };
    const small = (named: { entry: string; bytes: number; sha256: string } | null) => {
      if (named === null) return null;
      const entry = find(named.entry, named.bytes);
      if (sha256(readEntry(fd, entry)) !== named.sha256) throw corrupt(`${named.entry} does not match its sha256`);
      return entry;
    };
    const db = find(manifest.db.entry, manifest.db.bytes);
    return { file, fd, manifest, db, config: small(manifest.config), keys: small(manifest.keys), close: () => closeSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function parseManifest(file: string, raw: Buffer): BackupManifest {
  let m: BackupManifest;
  try {
    m = JSON.parse(raw.toString('utf8')) as BackupManifest;
  } catch {
    throw foreign(file, 'its manifest is not JSON');
  }
  if (m === null || typeof m !== 'object' || m.format !== BACKUP_FORMAT) throw foreign(file, 'its manifest is not a logline backup manifest');
  if (m.formatVersion !== BACKUP_FORMAT_VERSION) {
    throw new LoglineError('BACKUP_TOO_NEW', `${file} is a backup of format ${m.formatVersion}; this logline reads format ${BACKUP_FORMAT_VERSION}`, { hint: `upgrade logline to at least ${m.logline}` });
  }
  const ok = typeof m.db === 'object' && m.db !== null && typeof m.db.entry === 'string' && Number.isSafeInteger(m.db.bytes) && /^[0-9a-f]{64}$/.test(m.db.sha256)
    && Array.isArray(m.tenants) && m.tenants.every((t) => typeof t?.tenant === 'string' && Number.isSafeInteger(t.spans))
    && typeof m.schema === 'object' && m.schema !== null && Number.isSafeInteger(m.schema.version)
    && (m.config === null || (typeof m.config === 'object' && typeof m.config.entry === 'string' && Number.isSafeInteger(m.config.bytes)))
    && (m.keys === null || (typeof m.keys === 'object' && typeof m.keys.entry === 'string' && Number.isSafeInteger(m.keys.bytes) && Array.isArray(m.keys.handles)));
  if (!ok) throw corrupt('its manifest lacks fields or has fields of the wrong type');
  return m;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

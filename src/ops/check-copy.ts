import type { VerifyFinding } from '../api/types.js';
import { LoglineError } from '../errors/errors.js';
import type { CryptoPool } from '../identity/crypto-pool.js';
import { openRaw, type Db } from '../store/db.js';
import { loadMigrations } from '../store/migrate.js';
import { SpansRepo } from '../store/spans-repo.js';
import { verifyStored } from '../timeline/verify.js';
import type { BackupManifest } from './archive.js';
import { sameCounts, schemaState, tenantCounts } from './db-facts.js';

/** How many findings an error lists in its details. */
const SHOWN = 10;

function bad(message: string, details?: Record<string, unknown>): LoglineError {
  return new LoglineError('BACKUP_CORRUPT', `the backup is damaged: ${message}`, { hint: 'use another copy of the backup', details });
}

/**
 * Checks a database copied out of a backup before it may replace anything: SQLite's integrity check, a schema
 * this binary knows, the span counts of the manifest, and every span's id, signature and chain. Forks are
 * evidence the node keeps, not damage. Reads only.
 */
export async function checkCopy(file: string, manifest: BackupManifest, opts: { crypto?: CryptoPool; onProgress?: (done: number, total: number) => void }): Promise<void> {
  const db = openRaw(file, { readonly: true });
  try {
    integrity(db);
    const schema = schemaState(db, loadMigrations());
    if (schema.unknown.length > 0) {
      throw new LoglineError('BACKUP_TOO_NEW', `the backup's database has migrations this logline does not know (${schema.unknown.join(', ')})`, { hint: `upgrade logline to at least ${manifest.logline}` });
    }
    if (schema.changed.length > 0) throw bad(`its migrations ${schema.changed.join(', ')} differ from this logline's`);
    if (schema.version === 0) throw bad('its database has no logline schema');
    const counts = tenantCounts(db);
    if (!sameCounts(counts, manifest.tenants)) throw bad('its span counts differ from its manifest', { manifest: manifest.tenants, database: counts });
    const report = await verifyStored(new SpansRepo(db), { crypto: opts.crypto, onProgress: opts.onProgress });
    const problems = report.findings.filter((f: VerifyFinding) => f.code !== 'CHAIN_FORK');
    if (problems.length > 0) {
      throw new LoglineError('BACKUP_VERIFY_FAILED', `${problems.length} span${problems.length === 1 ? '' : 's'} of the backup fail verification (first: ${problems[0].code} ${problems[0].message})`, {
        hint: 'the backup holds spans whose id, signature or chain is wrong: use another backup',
        details: { findings: problems.slice(0, SHOWN) },
      });
    }
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check`: ["ok"] or the problems it found (at most 100). */
export function integrityLines(db: Db): string[] {
  return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
}

function integrity(db: Db): void {
  let lines: string[];
  try {
    lines = integrityLines(db);
  } catch (e) {
    throw bad(`SQLite cannot read its database (${(e as Error).message})`);
  }
  if (lines.length !== 1 || lines[0] !== 'ok') throw bad(`the integrity check fails: ${lines.slice(0, 3).join('; ')}`, { integrity: lines.slice(0, SHOWN) });
}

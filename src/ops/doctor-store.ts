import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { VerifyFinding } from '../api/types.js';
import { openRaw, type Db } from '../store/db.js';
import { loadMigrations } from '../store/migrate.js';
import { SpansRepo } from '../store/spans-repo.js';
import { verifyStored } from '../timeline/verify.js';
import { integrityLines } from './check-copy.js';
import { schemaState } from './db-facts.js';
import type { DoctorInit, Finding } from './doctor.js';

/** A replicated span dated this far after it arrived shows its author's clock ahead of ours. */
export const CLOCK_TOLERANCE_MS = 2000;
const EXAMPLES = 5;

/** An author whose replicated spans arrived before the time they carry: its clock is ahead by at least `aheadMs`. */
export interface ClockEvidence {
  author: string;
  aheadMs: number;
}

export interface StoreChecks {
  findings: Finding[];
  spans: { checked: number; forks: number } | null;
  clock: ClockEvidence[];
}

const VERIFY_HINTS: Record<string, string> = {
  SPAN_BAD_ID: 'a stored body was altered after it was stored: restore from a backup (`logline restore`) or import the span again from a peer',
  SPAN_BAD_SIG: 'a stored signature does not verify: restore from a backup (`logline restore`) or import the span again from a peer',
  STORE_MISMATCH: 'the indexed columns disagree with the signed body: restore from a backup (`logline restore`)',
  CHAIN_GAP: 'spans are missing from a chain: sync with a peer that holds them, or restore from a backup',
  CHAIN_BROKEN_PREV: 'a chain link does not match: restore from a backup (`logline restore`)',
};

/** The database checks: integrity, schema, every span, forks, kept copies, and clock evidence. Reads only. */
export async function checkStore(init: DoctorInit): Promise<StoreChecks> {
  const out: StoreChecks = { findings: [], spans: null, clock: [] };
  const add = (f: Finding) => out.findings.push(f);
  const file = init.paths.db;
  out.findings.push(...copiesFinding(file));
  if (!existsSync(file)) {
    add({ check: 'database', severity: 'info', code: 'DB_MISSING', message: `no database yet at ${file}`, hint: 'it is made on the first write (`logline log`)' });
    return out;
  }
  let db: Db;
  try {
    db = openRaw(file, { readonly: true });
  } catch (e) {
    add({ check: 'database', severity: 'error', code: 'DB_UNREADABLE', message: (e as Error).message, hint: 'check the file\'s permissions, or `logline restore BACKUP`' });
    return out;
  }
  try {
    const integrity = safe(() => integrityLines(db));
    if (integrity.ok && integrity.value.length === 1 && integrity.value[0] === 'ok') {
      add({ check: 'database', severity: 'ok', code: 'DB_INTEGRITY_OK', message: `SQLite integrity check passed (${file})` });
    } else {
      const lines = integrity.ok ? integrity.value : [integrity.error];
      add({ check: 'database', severity: 'error', code: 'DB_CORRUPT', message: `SQLite integrity check failed: ${lines.slice(0, 3).join('; ')}`,
        hint: 'restore the last good backup (`logline restore BACKUP`); the copies kept beside the database may help too', details: { integrity: lines.slice(0, 20) } });
      if (!integrity.ok) return out; // SQLite cannot read the file at all: the other checks would only repeat it
    }
    if (!schemaFindings(db, add)) return out;
    await spanFindings(db, init, out);
    const clock = safe(() => clockEvidence(db));
    if (clock.ok) out.clock = clock.value;
  } finally {
    db.close();
  }
  return out;
}

function safe<T>(f: () => T): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Adds the schema findings; false when the file is no logline database worth going on with. */
function schemaFindings(db: Db, add: (f: Finding) => void): boolean {
  const migrations = loadMigrations();
  const state = safe(() => schemaState(db, migrations));
  if (!state.ok) {
    add({ check: 'schema', severity: 'error', code: 'DB_UNREADABLE', message: `cannot read the schema: ${state.error}`, hint: '`logline restore BACKUP`' });
    return false;
  }
  const s = state.value;
  if (s.version === 0) {
    add({ check: 'schema', severity: 'error', code: 'DB_FOREIGN', message: 'the database has no logline schema', hint: 'the file is not a logline database: `logline restore BACKUP`' });
    return false;
  }
  if (s.unknown.length > 0) {
    add({ check: 'schema', severity: 'error', code: 'DB_TOO_NEW', message: `the database has migrations this logline does not know: ${s.unknown.join(', ')}`, hint: 'upgrade logline to the version that wrote it' });
  }
  if (s.changed.length > 0) {
    add({ check: 'schema', severity: 'error', code: 'DB_MIGRATION_CHANGED', message: `applied migrations differ from this logline's files: ${s.changed.join(', ')}`, hint: 'migrations are forward only: reinstall logline, or restore a backup' });
  }
  if (s.pending.length > 0 && s.unknown.length === 0) {
    add({ check: 'schema', severity: 'info', code: 'DB_SCHEMA_OLD', message: `schema ${s.version} of ${migrations.length}: ${s.pending.join(', ')} will be applied on the next open`,
      hint: 'the database is copied beside itself first (logline.db.pre-upgrade-schema-N.bak), then upgraded in one transaction' });
  } else if (s.unknown.length === 0 && s.changed.length === 0) {
    add({ check: 'schema', severity: 'ok', code: 'DB_SCHEMA_CURRENT', message: `schema ${s.version} (current), every applied migration matches its file` });
  }
  return s.unknown.length === 0;
}

async function spanFindings(db: Db, init: DoctorInit, out: StoreChecks): Promise<void> {
  let report;
  try {
    report = await verifyStored(new SpansRepo(db), { crypto: init.crypto, onProgress: init.onProgress });
  } catch (e) {
    out.findings.push({ check: 'spans', severity: 'error', code: 'SPANS_UNREADABLE', message: `cannot read the spans: ${(e as Error).message}`, hint: '`logline restore BACKUP`' });
    return;
  }
  out.spans = { checked: report.checked, forks: report.forks };
  const byCode = new Map<string, VerifyFinding[]>();
  for (const f of report.findings) byCode.set(f.code, [...(byCode.get(f.code) ?? []), f]);
  const forks = byCode.get('CHAIN_FORK') ?? [];
  byCode.delete('CHAIN_FORK');
  for (const [code, list] of byCode) {
    out.findings.push({ check: 'spans', severity: 'error', code, message: `${list.length} span${list.length === 1 ? '' : 's'}: ${list[0].message}${list.length > 1 ? ' (and more)' : ''}`,
      hint: VERIFY_HINTS[code] ?? 'restore from a backup (`logline restore`)', details: { examples: list.slice(0, EXAMPLES) } });
  }
  if (byCode.size === 0) {
    out.findings.push({ check: 'spans', severity: 'ok', code: 'SPANS_OK', message: `${report.checked} spans verified: ids, signatures and chains` });
  }
  if (report.forks > 0) {
    const authors = [...new Set(forks.map((f) => f.author))];
    out.findings.push({ check: 'forks', severity: 'warn', code: 'CHAIN_FORK', message: `${report.forks} fork${report.forks === 1 ? '' : 's'}: ${authors.length} author${authors.length === 1 ? '' : 's'} signed two different spans at one place of a chain`,
      hint: 'both spans are kept as evidence and the first stays canonical; find out why that key signed twice (a copied key, an old home restored and used)', details: { authors, examples: forks.slice(0, EXAMPLES) } });
  }
}

/** Replicated spans dated after they arrived, per author (only those beyond the tolerance). */
function clockEvidence(db: Db): ClockEvidence[] {
  const rows = db.prepare(`SELECT a.did AS author, max((julianday(s.ts) - 2440587.5) * 86400000.0 - s.received_at) AS ahead
    FROM spans s JOIN authors a ON a.id = s.author WHERE s.received_from IS NOT NULL GROUP BY s.author`).all() as { author: string; ahead: number | null }[];
  return rows.filter((r) => r.ahead !== null && r.ahead > CLOCK_TOLERANCE_MS).map((r) => ({ author: r.author, aheadMs: Math.round(r.ahead!) }));
}

/** Copies kept beside the database (before upgrades and restores): where they are and how big. */
function copiesFinding(file: string): Finding[] {
  const dir = dirname(file);
  if (!existsSync(dir)) return [];
  const name = basename(file);
  const kept = readdirSync(dir).filter((f) => f.startsWith(`${name}.pre-upgrade-schema-`) && f.endsWith('.bak') || (f.startsWith(`${name}.before-restore-`) && !/-(wal|shm)$/.test(f)));
  if (kept.length === 0) return [];
  const bytes = kept.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  return [{ check: 'copies', severity: 'info', code: 'DB_COPIES_KEPT', message: `${kept.length} cop${kept.length === 1 ? 'y' : 'ies'} of the database kept beside it (${bytes} bytes): ${kept.join(', ')}`,
    hint: `kept by upgrades and restores in ${dir}; delete them once you no longer need them`, details: { dir, files: kept, bytes } }];
}

import type { Paths } from '../config/paths.js';
import type { PeerInfo } from '../federation/peer-info.js';
import type { CryptoPool } from '../identity/crypto-pool.js';
import type { Keystore } from '../identity/keystore.js';
import { checkDaemon, checkKeys } from './doctor-node.js';
import { checkStore } from './doctor-store.js';

export type Severity = 'ok' | 'info' | 'warn' | 'error';

/** One thing doctor found: a stable code, what it means, and what to do about it. */
export interface Finding {
  check: 'home' | 'database' | 'schema' | 'spans' | 'forks' | 'copies' | 'keys' | 'daemon' | 'clock';
  severity: Severity;
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export interface DoctorReport {
  /** False when a finding is a warning or an error (the command then exits 1). */
  ok: boolean;
  findings: Finding[];
  spans: { checked: number; forks: number } | null;
}

/** What the running daemon said, asked by the caller over the local API (null: nothing answered). */
export interface DaemonAnswer {
  version: string;
  pid: number;
  state: string;
  peers: PeerInfo[] | null;
}

export interface DoctorInit {
  paths: Paths;
  keystore: Keystore;
  /** The configured default identity, if any. */
  identity: string | null;
  initialized: boolean;
  daemon: DaemonAnswer | null;
  /** Why asking the daemon failed, when its socket exists but it did not answer. */
  daemonError?: string;
  crypto?: CryptoPool;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Checks a node home without changing it: the database (integrity, schema, every span's id, signature and
 * chain, forks), the copies kept beside it, the key files and their permissions, the daemon's lock and socket,
 * and clock skew against peers where something shows it.
 */
export async function doctor(init: DoctorInit): Promise<DoctorReport> {
  const findings: Finding[] = [];
  if (!init.initialized) {
    findings.push({ check: 'home', severity: 'error', code: 'HOME_NOT_INITIALIZED', message: `no logline home at ${init.paths.home ?? init.paths.config}`,
      hint: 'run `logline init`, or `logline restore BACKUP` to bring one back' });
  }
  const store = await checkStore(init);
  findings.push(...store.findings, ...checkKeys(init), ...checkDaemon(init, store.clock));
  return { ok: !findings.some((f) => f.severity === 'warn' || f.severity === 'error'), findings, spans: store.spans };
}

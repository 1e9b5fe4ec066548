import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lockHolder } from '../daemon/lock.js';
import { VERSION } from '../version.js';
import type { DoctorInit, Finding } from './doctor.js';
import type { ClockEvidence } from './doctor-store.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(3, '0');
const open = (path: string) => (statSync(path).mode & 0o077) !== 0;

/** Key files: readable, matching their did, mode 0600 in a 0700 folder, owned by this user. */
export function checkKeys(init: DoctorInit): Finding[] {
  const out: Finding[] = [];
  const dir = init.keystore.dir;
  if (!existsSync(dir)) {
    if (init.initialized) out.push({ check: 'keys', severity: 'error', code: 'KEYS_MISSING', message: `no key folder at ${dir}`, hint: 'restore the keys (`logline restore --keys BACKUP`)' });
    return out;
  }
  if (open(dir)) out.push({ check: 'keys', severity: 'error', code: 'KEYS_DIR_OPEN', message: `the key folder ${dir} is open to other users (mode ${mode(dir)})`, hint: `chmod 700 ${dir}` });
  const uid = process.getuid?.();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.key')).sort()) {
    const file = join(dir, name);
    const handle = name.slice(0, -4);
    let info;
    try {
      info = init.keystore.get(handle);
    } catch (e) {
      out.push({ check: 'keys', severity: 'error', code: 'KEY_CORRUPT', message: (e as Error).message, hint: 'restore the key file from a backup (`logline restore --keys BACKUP`)' });
      continue;
    }
    const st = statSync(file);
    if (open(file)) out.push({ check: 'keys', severity: 'error', code: 'KEY_FILE_OPEN', message: `the key file ${file} is open to other users (mode ${mode(file)})`, hint: `chmod 600 ${file}` });
    else if (uid !== undefined && st.uid !== uid) out.push({ check: 'keys', severity: 'warn', code: 'KEY_FILE_OWNER', message: `the key file ${file} belongs to uid ${st.uid}, not to this user (${uid})`, hint: `chown ${uid} ${file}` });
    else {
      out.push({ check: 'keys', severity: 'ok', code: 'KEY_OK', message: `${handle}: ${info.did.slice(0, 24)}…${info.node ? ', node key' : ''}, ${info.encrypted ? 'encrypted' : 'not encrypted'}, mode ${mode(file)}` });
    }
  }
  if (init.identity !== null && !init.keystore.has(init.identity)) {
    out.push({ check: 'keys', severity: 'error', code: 'IDENTITY_MISSING', message: `the configured identity "${init.identity}" has no key file`, hint: '`logline id list`, then `logline config set identity HANDLE`, or restore its key' });
  }
  return out;
}

/** The daemon's lock and socket, what it answered, and clock skew against its peers where anything shows it. */
export function checkDaemon(init: DoctorInit, clock: ClockEvidence[]): Finding[] {
  const out: Finding[] = [];
  const { lock, socket, log } = init.paths;
  const holder = lockHolder(lock);
  const d = init.daemon;
  if (existsSync(socket) && open(socket)) out.push({ check: 'daemon', severity: 'error', code: 'SOCKET_OPEN', message: `the API socket ${socket} is open to other users (mode ${mode(socket)})`, hint: '`logline node restart` makes it 0600 again' });
  if (holder !== null && d !== null) {
    out.push({ check: 'daemon', severity: 'ok', code: 'DAEMON_RUNNING', message: `the daemon (pid ${holder}) holds ${lock} and answers on ${socket}: ${d.state}, logline ${d.version}` });
    if (d.version !== VERSION) out.push({ check: 'daemon', severity: 'warn', code: 'DAEMON_VERSION_MISMATCH', message: `the daemon runs logline ${d.version}, this command is ${VERSION}`, hint: '`logline node restart`' });
  } else if (holder !== null) {
    out.push({ check: 'daemon', severity: 'error', code: 'DAEMON_NOT_ANSWERING', message: `pid ${holder} holds ${lock} but ${existsSync(socket) ? `does not answer on ${socket}${init.daemonError ? ` (${init.daemonError})` : ''}` : `its socket ${socket} is missing`}`,
      hint: `see ${log}; \`logline node restart\`` });
  } else if (d !== null) {
    out.push({ check: 'daemon', severity: 'warn', code: 'LOCK_MISSING', message: `a daemon answers on ${socket} but holds no lock at ${lock}`, hint: 'a second daemon could start on this home: `logline node restart`' });
  } else {
    if (existsSync(lock)) out.push({ check: 'daemon', severity: 'warn', code: 'LOCK_STALE', message: `${lock} was left by a daemon that is gone`, hint: 'harmless: the next `logline node start` clears it' });
    if (existsSync(socket)) out.push({ check: 'daemon', severity: 'warn', code: 'SOCKET_STALE', message: `${socket} was left by a daemon that is gone`, hint: 'harmless: commands fall back to in-process, and the next `logline node start` replaces it' });
    out.push({ check: 'daemon', severity: 'info', code: 'DAEMON_STOPPED', message: 'no daemon runs on this home', hint: '`logline node start` to serve the API and replicate' });
  }
  out.push(...clockFindings(d, clock));
  return out;
}

function clockFindings(d: DoctorInit['daemon'], clock: ClockEvidence[]): Finding[] {
  const out: Finding[] = [];
  const connected = d?.peers?.filter((p) => p.connected) ?? [];
  for (const c of clock) {
    const peer = d?.peers?.find((p) => p.did === c.author);
    out.push({ check: 'clock', severity: 'warn', code: 'CLOCK_AHEAD', message: `${peer ? `peer ${peer.peer}` : `author ${c.author.slice(0, 24)}…`}: spans dated up to ${(c.aheadMs / 1000).toFixed(1)} s after they arrived here: its clock runs ahead of this node's by at least that`,
      hint: 'run NTP (e.g. systemd-timesyncd) on both machines; span times are the author\'s clock', details: { author: c.author, aheadMs: c.aheadMs } });
  }
  if (d === null) {
    out.push({ check: 'clock', severity: 'info', code: 'CLOCK_SKEW_UNKNOWN', message: 'clock skew against peers: unknown (no daemon runs, so no peer is connected)' });
  } else if (connected.length > 0) {
    out.push({ check: 'clock', severity: 'info', code: 'CLOCK_SKEW_UNKNOWN', message: `clock skew against ${connected.length} connected peer${connected.length === 1 ? '' : 's'}: unknown (peers do not exchange clocks; only spans that arrive before their time show a skew)`,
      details: { peers: connected.map((p) => p.peer) } });
  } else {
    out.push({ check: 'clock', severity: 'info', code: 'CLOCK_SKEW_UNKNOWN', message: 'clock skew against peers: unknown (no peer is connected)' });
  }
  return out;
}

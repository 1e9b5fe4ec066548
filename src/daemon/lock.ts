import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LoglineError } from '../errors/errors.js';

/** The pid in a lock file, if that process is alive; a lock left by a crashed daemon reads as null. */
export function lockHolder(file: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** Takes the one-daemon-per-home lock (O_EXCL), clearing a stale one. Returns the release function. */
export function acquireLock(file: string): () => void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (lockHolder(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = lockHolder(file);
      if (holder !== null) {
        throw new LoglineError('DAEMON_RUNNING', `a logline daemon (pid ${holder}) already runs on this home`, { hint: '`logline node status`, or `logline node stop`' });
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new LoglineError('LOCK_FAILED', `cannot take the lock ${file}`, { hint: 'another daemon is starting; try again' });
}

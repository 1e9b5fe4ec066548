import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';
import type { Db } from '../store/db.js';

const WORKER_FILE = join(PACKAGE_ROOT, 'dist', 'daemon', 'checkpoint-worker.js');
const EVERY_MS = 1000;

/**
 * WAL checkpoints off the append path: SQLite's automatic checkpoint runs inside the commit that crosses the
 * threshold, copying pages and syncing the file there — a stall of that append of up to a second behind a long
 * reader (a backup, an export). The daemon's connection turns it off and a worker thread, with a connection of its
 * own, checkpoints passively every second. Returns how to stop it (the connection checkpoints itself again).
 */
export async function startCheckpointer(db: Db, file: string, log: (line: string) => void): Promise<() => Promise<void>> {
  const { Worker } = await import('node:worker_threads');
  db.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER_FILE, { workerData: { file, everyMs: EVERY_MS } });
  worker.unref();
  let stopped = false;
  const fallBack = () => {
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('error', (e) => {
    log(`checkpointer failed, the node checkpoints itself again: ${e.message}`);
    fallBack();
  });
  return async () => {
    if (stopped) return;
    stopped = true;
    await worker.terminate();
    fallBack();
  };
}

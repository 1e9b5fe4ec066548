/** Worker thread of the checkpointer: a connection of its own that checkpoints the node's WAL passively. */
import { workerData } from 'node:worker_threads';
import { openRaw } from '../store/db.js';

const { file, everyMs } = workerData as { file: string; everyMs: number };
const db = openRaw(file);
db.pragma('busy_timeout = 0');
setInterval(() => {
  try {
    // copies committed pages into the database file and syncs it, without waiting for readers or writers
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or closing: the next tick tries again
  }
}, everyMs);

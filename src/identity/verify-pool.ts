import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PACKAGE_ROOT } from '../package-root.js';
import { verifyByDid } from './ed25519.js';
import type { VerifyJob } from './verify-worker.js';

export interface SignatureCheck {
  did: string;
  msg: Uint8Array;
  sig: Uint8Array;
}

/** Checks signatures, possibly off the main thread. */
export interface SignatureVerifier {
  verify(checks: readonly SignatureCheck[]): Promise<boolean[]>;
  close(): Promise<void>;
}

/** Below this many signatures a batch is verified inline: posting it to a worker costs more. */
const INLINE_BELOW = 64;
const WORKER_FILE = join(PACKAGE_ROOT, 'dist', 'identity', 'verify-worker.js');

export const inlineVerifier: SignatureVerifier = {
  async verify(checks) {
    return checks.map((c) => verifyByDid(c.did, c.msg, c.sig));
  },
  async close() {},
};

/**
 * A pool of worker threads for ed25519 verification, the ingest bottleneck (~10k/s per core). Workers are
 * started on first use and do not keep the process alive.
 */
export function verifierPool(size = Math.max(1, Math.min(4, availableParallelism()))): SignatureVerifier {
  const workers: Worker[] = [];
  const pending = new Map<number, { resolve: (ok: Uint8Array) => void; reject: (e: Error) => void }>();
  let next = 0;
  let turn = 0;
  const start = () => {
    while (workers.length < size) {
      const w = new Worker(WORKER_FILE);
      w.unref();
      w.on('message', (m: { n: number; ok: Uint8Array }) => {
        const job = pending.get(m.n);
        pending.delete(m.n);
        job?.resolve(m.ok);
      });
      w.on('error', (e) => {
        for (const job of pending.values()) job.reject(e);
        pending.clear();
        workers.splice(workers.indexOf(w), 1);
      });
      workers.push(w);
    }
  };
  const run = (checks: readonly SignatureCheck[]): Promise<Uint8Array> => new Promise((resolve, reject) => {
    const worker = workers[turn++ % workers.length];
    const job: VerifyJob = { n: next++, dids: checks.map((c) => c.did), msgs: checks.map((c) => c.msg), sigs: checks.map((c) => c.sig) };
    pending.set(job.n, { resolve, reject });
    worker.postMessage(job);
  });
  return {
    async verify(checks) {
      if (checks.length < INLINE_BELOW) return inlineVerifier.verify(checks);
      start();
      const per = Math.ceil(checks.length / workers.length);
      const parts: Promise<Uint8Array>[] = [];
      for (let i = 0; i < checks.length; i += per) parts.push(run(checks.slice(i, i + per)));
      const out: boolean[] = [];
      for (const ok of await Promise.all(parts)) for (const v of ok) out.push(v === 1);
      return out;
    },
    async close() {
      await Promise.all(workers.splice(0).map((w) => w.terminate()));
    },
  };
}

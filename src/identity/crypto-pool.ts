import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { PACKAGE_ROOT } from '../package-root.js';
import { verifyByDid, type Signer } from './ed25519.js';
import type { CryptoJob, CryptoResult } from './crypto-worker.js';

export interface SignatureCheck {
  did: string;
  msg: Uint8Array;
  sig: Uint8Array;
}

/** ed25519 for big batches, possibly off the main thread. */
export interface CryptoPool {
  verify(checks: readonly SignatureCheck[]): Promise<boolean[]>;
  /** Signatures (64 bytes each) of `msgs` by `signer`. */
  sign(signer: Signer, msgs: readonly Uint8Array[]): Promise<Buffer[]>;
  close(): Promise<void>;
}

/** Below this many items a batch is done inline: posting it to a worker costs more. */
const INLINE_BELOW = 64;
/**
 * Workers end after this long without a job: an idle daemon keeps no threads whose heaps the garbage collector
 * still shrinks, a few times over the next half minute, after a burst (about 1 % of a core in that time).
 */
const IDLE_MS = 3000;
const WORKER_FILE = join(PACKAGE_ROOT, 'dist', 'identity', 'crypto-worker.js');

export const inlineCrypto: CryptoPool = {
  async verify(checks) {
    return checks.map((c) => verifyByDid(c.did, c.msg, c.sig));
  },
  async sign(signer, msgs) {
    return msgs.map((m) => signer.sign(m));
  },
  async close() {},
};

type Job = CryptoJob extends infer J ? (J extends unknown ? Omit<J, 'n'> : never) : never;

/**
 * A pool of worker threads for ed25519: verification is the ingest bottleneck (~10k/s per core) and signing
 * the append one (~30k/s). Workers start on first use, end after IDLE_MS without a job, and never keep the
 * process alive.
 */
export function cryptoPool(size = Math.max(1, Math.min(4, availableParallelism()))): CryptoPool {
  const workers: Worker[] = [];
  const pending = new Map<number, { resolve: (r: CryptoResult) => void; reject: (e: Error) => void }>();
  let next = 0;
  let turn = 0;
  let starting: Promise<void> | undefined;
  let idle: NodeJS.Timeout | undefined;
  const stop = async () => {
    clearTimeout(idle);
    starting = undefined;
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  };
  const start = () => {
    clearTimeout(idle);
    starting ??= (async () => {
      // loaded here, not at the top: a one-shot CLI command that never needs a worker does not pay for it
      const { Worker } = await import('node:worker_threads');
      while (workers.length < size) {
        const w = new Worker(WORKER_FILE);
        w.unref();
        w.on('message', (m: CryptoResult) => {
          const job = pending.get(m.n);
          pending.delete(m.n);
          job?.resolve(m);
          if (pending.size === 0) {
            clearTimeout(idle);
            idle = setTimeout(() => { if (pending.size === 0) void stop(); }, IDLE_MS);
            idle.unref();
          }
        });
        w.on('error', (e) => {
          for (const job of pending.values()) job.reject(e);
          pending.clear();
          const i = workers.indexOf(w);
          if (i >= 0) workers.splice(i, 1);
          starting = undefined; // the next job starts a worker in its place
        });
        workers.push(w);
      }
    })();
    return starting;
  };
  const run = (job: Job): Promise<CryptoResult> => new Promise((resolve, reject) => {
    const n = next++;
    pending.set(n, { resolve, reject });
    workers[turn++ % workers.length].postMessage({ ...job, n });
  });
  /** Splits a batch evenly over `use` workers and joins the parts in order. */
  const spread = async <T>(items: readonly T[], part: (slice: T[]) => Job, use?: number): Promise<CryptoResult[]> => {
    await start();
    const per = Math.ceil(items.length / Math.min(use ?? workers.length, workers.length));
    const parts: Promise<CryptoResult>[] = [];
    for (let i = 0; i < items.length; i += per) parts.push(run(part(items.slice(i, i + per))));
    return Promise.all(parts);
  };
  return {
    async verify(checks) {
      if (checks.length < INLINE_BELOW) return inlineCrypto.verify(checks);
      const results = await spread(checks, (s) => ({ op: 'verify', dids: s.map((c) => c.did), msgs: s.map((c) => c.msg), sigs: s.map((c) => c.sig) }));
      const out: boolean[] = [];
      for (const r of results) for (const v of (r as { ok: Uint8Array }).ok) out.push(v === 1);
      return out;
    },
    async sign(signer, msgs) {
      if (msgs.length < INLINE_BELOW) return inlineCrypto.sign(signer, msgs);
      // one worker fewer than the pool: the main thread, which stores what is signed, keeps a core to itself
      const results = await spread(msgs, (s) => ({ op: 'sign', seed: signer.seed, msgs: s }), Math.max(1, workers.length - 1));
      const out: Buffer[] = [];
      for (const r of results) {
        const sigs = Buffer.from((r as { sigs: Uint8Array }).sigs.buffer);
        for (let i = 0; i < sigs.length; i += 64) out.push(sigs.subarray(i, i + 64));
      }
      return out;
    },
    close: stop,
  };
}

/** Worker thread of the crypto pool: verifies or signs batches with ed25519 (node:crypto, cached keys). */
import { parentPort } from 'node:worker_threads';
import { signerFromSeed, verifyByDid, type Signer } from './ed25519.js';

export type CryptoJob =
  | { n: number; op: 'verify'; dids: string[]; msgs: Uint8Array[]; sigs: Uint8Array[] }
  | { n: number; op: 'sign'; seed: Uint8Array; msgs: Uint8Array[] };

export type CryptoResult =
  | { n: number; ok: Uint8Array }
  | { n: number; sigs: Uint8Array };

let signer: { seed: string; signer: Signer } | undefined;

parentPort!.on('message', (job: CryptoJob) => {
  if (job.op === 'verify') {
    const ok = new Uint8Array(job.dids.length);
    for (let i = 0; i < ok.length; i++) ok[i] = verifyByDid(job.dids[i], job.msgs[i], job.sigs[i]) ? 1 : 0;
    parentPort!.postMessage({ n: job.n, ok } satisfies CryptoResult, [ok.buffer]);
    return;
  }
  const seedHex = Buffer.from(job.seed).toString('hex');
  if (signer?.seed !== seedHex) signer = { seed: seedHex, signer: signerFromSeed(job.seed) };
  const sigs = new Uint8Array(job.msgs.length * 64);
  for (let i = 0; i < job.msgs.length; i++) sigs.set(signer.signer.sign(job.msgs[i]), i * 64);
  parentPort!.postMessage({ n: job.n, sigs } satisfies CryptoResult, [sigs.buffer]);
});

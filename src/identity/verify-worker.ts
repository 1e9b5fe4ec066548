/** Worker thread of the signature pool: verifies batches of ed25519 signatures. */
import { parentPort } from 'node:worker_threads';
import { verifyByDid } from './ed25519.js';

export interface VerifyJob {
  n: number;
  dids: string[];
  msgs: Uint8Array[];
  sigs: Uint8Array[];
}

parentPort!.on('message', (job: VerifyJob) => {
  const ok = new Uint8Array(job.dids.length);
  for (let i = 0; i < ok.length; i++) ok[i] = verifyByDid(job.dids[i], job.msgs[i], job.sigs[i]) ? 1 : 0;
  parentPort!.postMessage({ n: job.n, ok }, [ok.buffer]);
});

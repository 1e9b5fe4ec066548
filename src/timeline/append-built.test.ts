import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoglineError } from '../errors/errors.js';
import { cryptoPool } from '../identity/crypto-pool.js';
import { signerFromSeed } from '../identity/ed25519.js';
import { openDb } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { tempDir } from '../testing/cli.js';
import { Timeline } from './timeline.js';
import { verifyStored } from './verify.js';

describe('appendBuilt: spans built in groups, stored with the caller\'s own writes', () => {
  const t = tempDir();
  const pool = cryptoPool(2);
  afterAll(async () => { await pool.close(); t.cleanup(); });
  const signer = signerFromSeed(Buffer.alloc(32, 9));
  const file = join(t.dir, 'built.db');
  const timeline = new Timeline(new SpansRepo(openDb(file)), () => pool);
  const db = timeline.repo.db;
  db.exec('CREATE TABLE mine (n INTEGER)');
  const mine = () => db.prepare('SELECT n FROM mine ORDER BY n').pluck().all();
  const titles = () => db.prepare("SELECT title FROM spans WHERE tenant = 'acme' ORDER BY seq").pluck().all();

  it('a refused group costs only itself; the chain runs on over it', async () => {
    const plan = await timeline.appendBuilt(signer, (b) => [
      b.add([{ tenant: 'acme', title: 'one' }]),
      b.add([{ tenant: 'acme', title: 'two' }, { tenant: 'acme', title: 'bad\ntitle' }]),
      b.add([{ tenant: 'acme', title: 'three' }]),
    ], () => true);
    expect(plan.map((r) => (r instanceof LoglineError ? r.code : r.length))).toEqual([1, 'BATCH_REJECTED', 1]);
    expect(titles()).toEqual(['one', 'three']);
  });

  it('commits the caller\'s writes with the spans; refusing rolls both back and builds again', async () => {
    let builds = 0;
    let refuse = true;
    await timeline.appendBuilt(signer, (b) => {
      builds++;
      return b.add([{ tenant: 'acme', title: `attempt ${builds}` }]);
    }, () => {
      db.prepare('INSERT INTO mine (n) VALUES (?)').run(builds);
      const ok = !refuse;
      refuse = false;
      return ok;
    });
    expect(builds).toBe(2);
    expect(mine()).toEqual([2]);
    expect(titles().slice(-1)).toEqual(['attempt 2']);
  });

  it('calls in flight build on each other and store in order; a chain moved meanwhile makes them build again', async () => {
    const other = new Timeline(new SpansRepo(openDb(file)));
    const builds = [0, 0, 0, 0, 0];
    const batch = (k: number) => timeline.appendBuilt(signer, (b) => {
      builds[k]++;
      return b.add(Array.from({ length: 100 }, (_, i) => ({ tenant: 'acme', title: `batch ${k} span ${i}` })));
    }, () => true);
    let late: Promise<unknown> | undefined;
    const off = timeline.onCommit((spans) => {
      // batches 1-3 were built on batch 0; another writer (same author, another connection) moves the chain now
      if (spans[0].title === 'batch 0 span 0') other.append([{ tenant: 'acme', title: 'sneaked in' }], signer);
      // a call while stale batches are in flight builds once they are stored
      if (spans[0].title === 'batch 1 span 0') late = batch(4);
    });
    await Promise.all([0, 1, 2, 3].map(batch));
    await late;
    off();
    const spans = (k: number) => Array.from({ length: 100 }, (_, i) => `batch ${k} span ${i}`);
    expect(titles().slice(-501)).toEqual([...spans(0), 'sneaked in', ...spans(1), ...spans(2), ...spans(3), ...spans(4)]);
    // built again: those built on the moved chain, once each; not the late one, built on the stored chain
    expect(builds).toEqual([1, 2, 2, 2, 1]);
    expect(await verifyStored(timeline.repo, { crypto: pool })).toMatchObject({ ok: true });
  });
});

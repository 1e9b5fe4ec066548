import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cryptoPool } from '../identity/crypto-pool.js';
import { signerFromSeed } from '../identity/ed25519.js';
import { openDb } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { tempDir } from '../testing/cli.js';
import { Timeline } from './timeline.js';
import { verifyStored } from './verify.js';

describe('bulk append through the crypto pool', () => {
  const t = tempDir();
  const pool = cryptoPool(2);
  afterAll(async () => { await pool.close(); t.cleanup(); });
  const signer = signerFromSeed(Buffer.alloc(32, 7));
  const file = join(t.dir, 'bulk.db');
  const timeline = new Timeline(new SpansRepo(openDb(file)), () => pool);

  it('signs in workers, chains across chunks and tenants, and stores in order', async () => {
    const drafts = Array.from({ length: 12000 }, (_, i) => ({ tenant: i % 3 ? 'acme' : 'other', title: `bulk ${i}`, tags: ['b', 'a'] }));
    const committed: number[] = [];
    const off = timeline.onCommit((spans) => committed.push(spans.length));
    const spans = await timeline.appendAsync(drafts, signer);
    off();
    expect(spans.map((s) => s.title)).toEqual(drafts.map((d) => d.title));
    expect(spans.filter((s) => s.tenant === 'acme').map((s) => s.seq)).toEqual(Array.from({ length: 8000 }, (_, i) => i + 1));
    expect(committed).toEqual(Array(12).fill(1000));
    const report = await verifyStored(timeline.repo, { crypto: pool });
    expect(report).toMatchObject({ ok: true, checked: 12000 });
  });

  it('rebuilds on top of a head moved by another writer between chunks', async () => {
    const other = new Timeline(new SpansRepo(openDb(file)));
    let interfered = false;
    const off = timeline.onCommit(() => {
      if (interfered) return;
      interfered = true;
      other.append([{ tenant: 'acme', title: 'sneaked in' }], signer); // same author, other connection
    });
    const spans = await timeline.appendAsync(Array.from({ length: 6000 }, (_, i) => ({ tenant: 'acme', title: `second ${i}` })), signer);
    off();
    expect(spans).toHaveLength(6000);
    const seqs = spans.map((s) => s.seq!);
    expect(seqs.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => 8001 + i));
    expect(seqs[1000]).toBe(9002); // 9001 is the span that sneaked in
    expect(seqs[5999]).toBe(14001);
    expect((await verifyStored(timeline.repo, { crypto: pool })).ok).toBe(true);
  });

  it('a big call stores the chunks before an invalid draft and names its line', async () => {
    const before = timeline.repo.count();
    const drafts = Array.from({ length: 2500 }, (_, i) => ({ tenant: 'acme', title: i === 2100 ? 'two\nlines' : `big ${i}` }));
    await expect(timeline.appendAsync(drafts, signer)).rejects.toMatchObject({ code: 'BATCH_REJECTED', details: { lines: [{ line: 2101, code: 'SPAN_BAD_TITLE' }] } });
    expect(timeline.repo.count()).toBe(before + 2000);
    expect((await verifyStored(timeline.repo, { crypto: pool })).ok).toBe(true);
  });

  it('stores nothing when any draft of a chunk-sized call is invalid, and lists every bad line', async () => {
    const before = timeline.repo.count();
    const drafts = Array.from({ length: 200 }, (_, i) => ({ tenant: 'acme', title: i === 5 || i === 150 ? 'two\nlines' : `ok ${i}` }));
    await expect(timeline.appendAsync(drafts, signer)).rejects.toMatchObject({ code: 'BATCH_REJECTED', details: { lines: [{ line: 6, code: 'SPAN_BAD_TITLE' }, { line: 151, code: 'SPAN_BAD_TITLE' }] } });
    expect(timeline.repo.count()).toBe(before);
  });

  it('workers sign byte-identically to the main thread', async () => {
    const msgs = Array.from({ length: 100 }, (_, i) => Buffer.alloc(32, i));
    const sigs = await pool.sign(signer, msgs);
    expect(sigs.map((s) => s.toString('hex'))).toEqual(msgs.map((m) => signer.sign(m).toString('hex')));
  });
});

describe('appends of one moment commit together', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  const timeline = new Timeline(new SpansRepo(openDb(join(t.dir, 'group.db'))));
  const ada = signerFromSeed(Buffer.alloc(32, 1));
  const bob = signerFromSeed(Buffer.alloc(32, 2));

  it('each append is all or nothing with its own result; one commit and one notice for the group', async () => {
    const notices: string[][] = [];
    const off = timeline.onCommit((spans) => notices.push(spans.map((s) => s.title)));
    const results = await Promise.allSettled([
      timeline.appendSoon([{ tenant: 'acme', title: 'a1' }, { tenant: 'acme', title: 'a2' }], ada),
      timeline.appendSoon([{ tenant: 'acme', title: 'bad one' }, { tenant: 'acme', title: 'bad two', tags: [''] }], ada),
      timeline.appendSoon([{ tenant: 'acme', title: 'b1' }], bob),
      timeline.appendSoon([{ tenant: 'acme', title: 'a3' }], ada),
    ]);
    off();
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'BATCH_REJECTED', details: { lines: [{ line: 2, code: 'SPAN_BAD_TYPE' }] } });
    const spans = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    // the refused append took no seq: ada's chain goes on from a2 to a3
    expect(spans.map((s) => [s.title, s.seq])).toEqual([['a1', 1], ['a2', 2], ['b1', 1], ['a3', 3]]);
    expect(spans[3].prev).toBe(spans[1].id);
    expect(notices).toEqual([['a1', 'a2', 'b1', 'a3']]);
    expect(timeline.repo.db.prepare("SELECT count(*) FROM spans WHERE title LIKE 'bad%'").pluck().get()).toBe(0);
    expect(await verifyStored(timeline.repo)).toMatchObject({ ok: true, checked: 4 });

    // appends of a later moment are a group of their own
    await timeline.appendSoon([{ tenant: 'acme', title: 'a4' }], ada);
    expect(timeline.repo.db.prepare('SELECT count(*) FROM spans').pluck().get()).toBe(5);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { Home } from '../node/home.js';
import { initHome } from '../testing/cli.js';
import { POLICY_FILES } from '../testing/rules.js';
import { taskSpans, waitFor } from '../testing/tasks.js';
import { verifyStored } from '../timeline/verify.js';
import { Engine, type EngineInit } from './engine.js';
import type { RunOutcome, TaskRow } from './task.js';

/** An engine in this process on a temp home (the daemon hosts the same class). */
function engineOn(concurrency: number, init: Partial<EngineInit> = {}, h = initHome('dan', 'acme')) {
  const home = new Home({ home: h.home });
  const finished: { id: number; outcome: RunOutcome }[] = [];
  const engine = new Engine({ ...init, home, concurrency, onFinished: (task: TaskRow, outcome) => finished.push({ id: task.id, outcome }) });
  const rows = () => home.db.prepare('SELECT id, status, attempts, error, result FROM tasks ORDER BY id').all() as
    { id: number; status: string; attempts: number; error: string | null; result: string | null }[];
  const done = () => waitFor(() => rows().every((r) => ['succeeded', 'failed', 'cancelled'].includes(r.status)), 20_000, 'every task to finish');
  const close = async () => {
    await engine.stop();
    await home.close();
    h.cleanup();
  };
  return { h, home, engine, finished, rows, done, close };
}

describe('inline tasks (emit), recorded in batches', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => { await close?.(); close = undefined; });

  it('a batch in which one emit is refused records the others all the same, and that one as failed', async () => {
    const e = engineOn(8);
    close = e.close;
    const payloads = Array.from({ length: 40 }, (_, i) => (i === 7 ? { title: 'refused', tags: [''] } : { title: `emit ${i}`, data: { i } }));
    const ids = e.engine.queue.enqueueMany(payloads.map((payload) => ({ tenant: 'acme', type: 'emit', payload })));
    e.engine.start();
    await e.done();
    const bad = ids[7];
    for (const row of e.rows()) {
      if (row.id === bad) {
        // the timeline refuses the span: no retry writes it either
        expect(row).toMatchObject({ status: 'failed', attempts: 1 });
        expect(JSON.parse(row.error!).code).toBe('SPAN_BAD_TYPE');
      } else {
        expect(row).toMatchObject({ status: 'succeeded', attempts: 1 });
        expect(JSON.parse(row.result!).spans).toHaveLength(1);
      }
    }
    const started = taskSpans(e.h.home, 'task.started');
    const ended = taskSpans(e.h.home, 'task.finished');
    // every run is recorded, in the order the tasks were queued; each finished span names its started one
    expect(started.map((s) => s.body.data.task)).toEqual(ids);
    expect(ended.map((s) => s.body.data.task)).toEqual(ids);
    ended.forEach((s, i) => expect(s.body).toMatchObject({ kind: 'system', related: [started[i].id], data: { outcome: i === 7 ? 'failed' : 'succeeded', final: true } }));
    expect(ended[7].body.data.error.code).toBe('SPAN_BAD_TYPE');
    const emitted = e.home.db.prepare("SELECT title FROM spans WHERE kind = 'user' ORDER BY rid").pluck().all();
    expect(emitted).toEqual(payloads.filter((_, i) => i !== 7).map((p) => p.title));
    const runs = e.home.db.prepare('SELECT outcome, count(*) AS n FROM task_runs GROUP BY outcome ORDER BY outcome').all();
    expect(runs).toEqual([{ outcome: 'failed', n: 1 }, { outcome: 'succeeded', n: 39 }]);
    expect(e.finished).toHaveLength(40);
    expect(await verifyStored(e.home.repo)).toMatchObject({ ok: true });
  });

  it('the tenant\'s admission rules run on every span an emit task signs: reject fails the task, tags and simulate are signed in', async () => {
    const h = initHome('dan', 'acme');
    expect(h.run(['rules', 'add', POLICY_FILES.tree]).code).toBe(0);
    const e = engineOn(8, {}, h);
    close = e.close;
    const ids = e.engine.queue.enqueueMany([
      { title: 'pay the supplier', workflow_id: 'payments', data: { amount: 20000 } },
      { title: 'Recibo 42', tags: ['paper'] },
      { title: 'half done', tags: ['draft'] },
    ].map((payload) => ({ tenant: 'acme', type: 'emit', payload })));
    e.engine.start();
    await e.done();
    const [pay, receipt, draft] = e.rows();
    expect(pay).toMatchObject({ id: ids[0], status: 'failed', attempts: 1 });
    expect(JSON.parse(pay.error!)).toMatchObject({ code: 'RULE_REJECTED' });
    expect(JSON.parse(pay.error!).message).toContain('block-large-payments');
    expect([receipt.status, draft.status]).toEqual(['succeeded', 'succeeded']);
    const spans = (e.home.db.prepare("SELECT body FROM spans WHERE kind = 'user' ORDER BY rid").pluck().all() as string[]).map((b) => JSON.parse(b) as Record<string, unknown>);
    expect(spans).toMatchObject([
      { title: 'Recibo 42', status: 'executed', tags: ['paper', 'receipt'], metadata: { category: 'sales' } },
      { title: 'half done', status: 'simulated', tags: ['draft'] },
    ]);
    expect(await verifyStored(e.home.repo)).toMatchObject({ ok: true });
  });

  it('a task cancelled while its batch is being recorded is left out of it, and never runs', async () => {
    const e = engineOn(8);
    close = e.close;
    const ids = e.engine.queue.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ tenant: 'acme', type: 'emit', payload: { title: `emit ${i}` } })));
    e.engine.start(); // the first cycle has picked them all when this returns: it records them once its spans are signed
    expect(e.engine.cancel(ids[3]).status).toBe('cancelled');
    await e.done();
    expect(e.rows().map((r) => r.status)).toEqual(ids.map((id) => (id === ids[3] ? 'cancelled' : 'succeeded')));
    expect(taskSpans(e.h.home, 'task.started').map((s) => s.body.data.task)).toEqual(ids.filter((id) => id !== ids[3]));
    expect(e.home.db.prepare("SELECT count(*) FROM spans WHERE title = 'emit 3'").pluck().get()).toBe(0);
  });

  it('a batch holds one slot: with every slot taken by a running task, emits wait', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    // the sync task runs until released (a federation round that takes its time)
    const e = engineOn(1, { sync: async () => { await held; return { peers: 0 }; } });
    close = e.close;
    const [sync, emit] = e.engine.queue.enqueueMany([{ tenant: 'acme', type: 'sync', payload: {} }, { tenant: 'acme', type: 'emit', payload: { title: 'after' } }]);
    e.engine.start();
    await waitFor(() => e.rows()[0].status === 'running', 20_000, 'the sync task to run');
    // nothing to wait for: a cycle able to take the emit would have come at once
    await new Promise((r) => setTimeout(r, 300));
    expect(e.rows().map((r) => r.status)).toEqual(['running', 'queued']);
    release();
    await e.done();
    expect(e.rows().map((r) => [r.id, r.status])).toEqual([[sync, 'succeeded'], [emit, 'succeeded']]);
  });
});

describe('a stop while a cycle is under way', () => {
  it('lets it commit, and records what it claimed as interrupted rather than starting it', async () => {
    let ran = false;
    const e = engineOn(2, { sync: async () => { ran = true; return { peers: 0 }; } });
    try {
      const [id] = e.engine.queue.enqueueMany([{ tenant: 'acme', type: 'sync', payload: {} }]);
      e.engine.start(); // its first cycle has picked the task when this returns
      await e.engine.stop();
      expect(ran).toBe(false);
      expect(e.rows()).toMatchObject([{ id, status: 'queued', attempts: 1 }]);
      expect(e.home.db.prepare('SELECT outcome FROM task_runs WHERE task = ?').pluck().all(id)).toEqual(['interrupted']);
      const started = taskSpans(e.h.home, 'task.started');
      expect(taskSpans(e.h.home, 'task.finished').map((s) => s.body)).toMatchObject([{ related: [started[0].id], data: { task: id, outcome: 'interrupted', final: false } }]);
    } finally {
      await e.close();
    }
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync, initHome, tempDir } from '../testing/cli.js';
import { hookServer, readStore, waitFor } from '../testing/tasks.js';

/** Reaction rules on a real daemon: emit, task and webhook, once per (span, rule version), across restarts. */
describe('reaction rules', () => {
  let h: ReturnType<typeof initHome>;
  let hook: Awaited<ReturnType<typeof hookServer>>;
  const dir = tempDir();
  const ok = async (args: string[]) => {
    const r = await cliAsync(['--home', h.home, ...args]);
    if (r.code !== 0) throw new Error(`logline ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** Spans caused by `id`, from the store. */
  const causedBy = (id: string) => readStore(h.home, (db) => (db.prepare('SELECT body FROM spans WHERE caused_by = ? ORDER BY rid').all(Buffer.from(id, 'hex')) as { body: string }[])
    .map((r) => JSON.parse(r.body) as { title: string; kind: string; metadata?: { reaction?: { rule: string } }; tags?: string[] }));
  const log = async (...args: string[]) => (JSON.parse(await ok(['--json', 'log', ...args])) as { id: string }).id;

  beforeAll(async () => {
    hook = await hookServer();
    h = initHome('rea', 'acme');
    const rules = join(dir.dir, 'reactions.yaml');
    writeFileSync(rules, `rules:
  - id: announce-deploys
    condition: { type: contains_text, field: title, text: deploy }
    actions:
      - { type: emit, title: "announce: a deploy happened", tags: [announce] }
  - id: page-on-urgent
    condition: { type: contains_tag, tag: urgent }
    actions:
      - { type: webhook, url: "${hook.url}/ok" }
  - id: follow-up-big
    when: has(span.data.amount) && span.data.amount > 100
    actions:
      - { type: task, task: emit, payload: { title: follow up a big amount }, priority: high }
  - id: echo-pings
    condition: { type: contains_text, field: title, text: ping }
    actions:
      - { type: task, task: emit, payload: { title: ping echo } }
`);
    await ok(['rules', 'add', rules]);
    await ok(['node', 'start']);
  });
  afterAll(async () => {
    await cliAsync(['--home', h.home, 'node', 'stop']);
    await hook.close();
    h.cleanup();
    dir.cleanup();
  });

  it('emits a span caused by the trigger, once, and emitted spans trigger nothing', async () => {
    const id = await log('deploy api v2');
    const emitted = await waitFor(() => { const c = causedBy(id); return c.length > 0 && c; }, 20_000, 'the emitted span');
    await new Promise((r) => setTimeout(r, 500));
    expect(causedBy(id)).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ title: 'announce: a deploy happened', tags: ['announce'], metadata: { reaction: { rule: 'announce-deploys' } } });
    // "announce: a deploy happened" contains "deploy" too: it must not announce itself
    const all = readStore(h.home, (db) => db.prepare("SELECT count(*) FROM spans WHERE title = 'announce: a deploy happened'").pluck().get() as number);
    expect(all).toBe(1);
  });

  it('calls a webhook and queues a task through the engine, with the trigger as their cause', async () => {
    const urgent = await log('disk full', '--tag', 'urgent');
    const hit = await waitFor(() => hook.hits.find((x) => (x.body as { span?: { id?: string } })?.span?.id === urgent), 20_000, 'the webhook');
    expect(hit.body).toMatchObject({ rule: 'page-on-urgent', span: { id: urgent, title: 'disk full' } });
    const big = await log('invoice', '--data', '{"amount":500}');
    const followUp = await waitFor(() => readStore(h.home, (db) => db.prepare("SELECT body FROM spans WHERE title = 'follow up a big amount'").pluck().get() as string | undefined), 20_000, 'the task\'s span');
    expect(followUp).toBeDefined();
    const started = readStore(h.home, (db) => db.prepare("SELECT body FROM spans WHERE title = 'task.started' ORDER BY rid DESC").pluck().all() as string[]).map((b) => JSON.parse(b) as { caused_by?: string });
    expect(started.some((s) => s.caused_by === big)).toBe(true);
    const metrics = readStore(h.home, (db) => db.prepare('SELECT action, outcome FROM reactions_fired ORDER BY fired_at').all());
    expect(metrics).toEqual(expect.arrayContaining([{ action: 'emit', outcome: 'ok' }, { action: 'webhook', outcome: 'ok' }, { action: 'task', outcome: 'ok' }]));
  });

  it('runs on spans committed while the daemon was down, and fires nothing twice after restarts', async () => {
    await ok(['node', 'stop']);
    const id = await log('deploy while the daemon was down');
    expect(causedBy(id)).toHaveLength(0);
    await ok(['node', 'start']);
    await waitFor(() => causedBy(id).length > 0, 20_000, 'the reaction after the restart');
    await ok(['node', 'restart']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(causedBy(id)).toHaveLength(1);
    const fired = readStore(h.home, (db) => db.prepare('SELECT count(*) FROM reactions_fired').pluck().get() as number);
    expect(fired).toBe(4);
  });

  it('after a kill -9 the spans since the stored cursor are run again and fire nothing twice; new ones fire', async () => {
    const id = await log('deploy before the crash');
    await waitFor(() => causedBy(id).length > 0, 20_000, 'the reaction');
    for (let i = 0; i < 3; i++) await log(`quiet ${i}`); // fire nothing: the cursor passes them in memory only
    const firedBefore = readStore(h.home, (db) => db.prepare('SELECT count(*) FROM reactions_fired').pluck().get() as number);
    const { pid } = JSON.parse(await ok(['--json', 'node', 'status'])) as { pid: number };
    process.kill(pid, 'SIGKILL');
    await waitFor(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 10_000, 'the daemon to die');
    await ok(['node', 'start']);
    const after = await log('deploy after the crash');
    await waitFor(() => causedBy(after).length > 0, 20_000, 'the reaction after the crash');
    expect(causedBy(id)).toHaveLength(1);
    expect(readStore(h.home, (db) => db.prepare('SELECT count(*) FROM reactions_fired').pluck().get() as number)).toBe(firedBefore + 1);
  });

  it('a span emitted by a task that a reaction queued triggers nothing either', async () => {
    const id = await log('ping');
    await waitFor(() => causedBy(id).some((s) => s.title === 'ping echo'), 20_000, 'the echo');
    // "ping echo" contains "ping": unmarked, it would queue another echo, and so on
    await new Promise((r) => setTimeout(r, 1500));
    const echoes = readStore(h.home, (db) => db.prepare("SELECT body FROM spans WHERE title = 'ping echo'").pluck().all() as string[]).map((b) => JSON.parse(b));
    expect(echoes).toHaveLength(1);
    expect(echoes[0]).toMatchObject({ caused_by: id, metadata: { reaction: { rule: 'echo-pings' } } });
  });
});

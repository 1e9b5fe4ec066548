import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initHome } from '../testing/cli.js';
import { foregroundDaemon, hookServer, readStore, taskSpans, waitFor } from '../testing/tasks.js';

type Home = ReturnType<typeof initHome>;
interface Row { id: number; status: string; attempts: number; error: string | null }

describe('a daemon killed with tasks queued and running', () => {
  let h: Home;
  let hook: Awaited<ReturnType<typeof hookServer>>;
  const env = { LOGLINE_TASK_CONCURRENCY: '2', LOGLINE_TASK_EXEC_TENANTS: 'acme' };
  const add = (args: string[]) => JSON.parse(h.run(['task', 'add', ...args, '--json']).stdout).id as number;
  const rows = () => readStore(h.home, (db) => db.prepare('SELECT id, status, attempts, error FROM tasks ORDER BY id').all() as Row[]);
  const row = (id: number) => rows().find((r) => r.id === id)!;
  const outcomes = (id: number) => readStore(h.home, (db) => db.prepare('SELECT outcome FROM task_runs WHERE task = ? ORDER BY attempt').pluck().all(id));

  beforeAll(async () => {
    hook = await hookServer();
    h = initHome('dan', 'acme', env);
  });
  let release = '';
  afterAll(async () => {
    if (release) writeFileSync(release, ''); // ends the orphaned command, also when the test failed early
    h.run(['node', 'stop']);
    await new Promise((r) => setTimeout(r, 200));
    h.cleanup();
    await hook.close();
  });

  it('retries or fails the running ones by their policy after the restart, runs the queued ones, none twice', async () => {
    const child = await foregroundDaemon(h.home, env);
    const webhook = add(['webhook', '--payload', JSON.stringify({ url: `${hook.url}/hang-once/1` }), '--timeout', '1m']);
    // runs until the test releases it (the kill -9 orphans it; the release ends it)
    release = join(h.home, 'release');
    const exec = add(['exec', '--payload', JSON.stringify({ command: ['sh', '-c', `while [ ! -e ${release} ]; do sleep 0.1; done`] })]);
    const queued = ['q1', 'q2', 'q3'].map((title) => add(['emit', '--payload', JSON.stringify({ title })]));
    await waitFor(() => row(webhook).status === 'running' && row(exec).status === 'running' && hook.hits.length === 1, 20_000, 'two running tasks');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(rows().map((r) => r.status)).toEqual(['running', 'running', 'queued', 'queued', 'queued']);

    expect(h.run(['node', 'start']).code).toBe(0);
    await waitFor(() => rows().every((r) => ['succeeded', 'failed'].includes(r.status)), 20_000, 'every task to finish');
    // webhook: on_crash retry → run again (the receiver saw the first request cut off before the second came)
    expect(row(webhook)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(outcomes(webhook)).toEqual(['crashed', 'succeeded']);
    expect(hook.hits.map((x) => x.aborted)).toEqual([true, false]);
    // exec: on_crash fail → a command that may not be safe to repeat is not run again
    expect(row(exec)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(JSON.parse(row(exec).error!).code).toBe('TASK_CRASHED');
    expect(outcomes(exec)).toEqual(['crashed']);
    for (const id of queued) expect(row(id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    const titles = readStore(h.home, (db) => db.prepare('SELECT title FROM spans WHERE title IN (\'q1\', \'q2\', \'q3\') ORDER BY title').pluck().all());
    expect(titles).toEqual(['q1', 'q2', 'q3']);
    const crashed = taskSpans(h.home, 'task.finished').filter((s) => s.body.data.outcome === 'crashed').map((s) => s.body.data.task).sort();
    expect(crashed).toEqual([webhook, exec].sort());
  });

  it('a clean stop interrupts a running task, which runs again after the next start', async () => {
    const id = add(['webhook', '--payload', JSON.stringify({ url: `${hook.url}/hang-once/2` }), '--timeout', '1m']);
    await waitFor(() => row(id).status === 'running' && hook.hits.some((x) => x.path === '/hang-once/2'), 20_000, 'the running task');
    expect(h.run(['node', 'stop']).code).toBe(0);
    expect(row(id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect(outcomes(id)).toEqual(['interrupted']);
    expect(h.run(['node', 'start']).code).toBe(0);
    await waitFor(() => row(id).status === 'succeeded', 20_000, 'the task to run again');
    expect(outcomes(id)).toEqual(['interrupted', 'succeeded']);
  });

  it('a cancel asked for while the daemon is down is honoured at the restart, not retried', async () => {
    expect(h.run(['node', 'stop']).code).toBe(0);
    const child = await foregroundDaemon(h.home, env);
    const id = add(['webhook', '--payload', JSON.stringify({ url: `${hook.url}/hang-once/3` }), '--timeout', '1m']);
    await waitFor(() => row(id).status === 'running' && hook.hits.some((x) => x.path === '/hang-once/3'), 20_000, 'the running task');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(h.run(['task', 'cancel', String(id)]).stdout).toContain('cancelling');
    expect(h.run(['node', 'start']).code).toBe(0);
    await waitFor(() => row(id).status === 'cancelled', 20_000, 'the cancel');
    expect(outcomes(id)).toEqual(['cancelled']);
    expect(hook.hits.filter((x) => x.path === '/hang-once/3').length).toBe(1);
  });
});

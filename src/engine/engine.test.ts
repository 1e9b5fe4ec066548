import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initHome } from '../testing/cli.js';
import { createTenant, hookServer, readStore, taskSpans, waitFor } from '../testing/tasks.js';

type Home = ReturnType<typeof initHome>;

function add(h: Home, args: string[]): number {
  const r = h.run(['task', 'add', ...args, '--json']);
  if (r.code !== 0) throw new Error(`task add ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout).id;
}

function status(h: Home, id: number): { status: string; attempts: number; error: string | null; result: string | null } {
  return readStore(h.home, (db) => db.prepare('SELECT status, attempts, error, result FROM tasks WHERE id = ?').get(id) as never);
}

const finished = (h: Home, id: number, want = ['succeeded', 'failed', 'cancelled']) =>
  waitFor(() => want.includes(status(h, id).status) && status(h, id), 20_000, `task ${id} to finish`);

function startDaemon(h: Home, env: NodeJS.ProcessEnv = {}): void {
  const r = h.run(['node', 'start'], { env });
  if (r.code !== 0) throw new Error(`node start: ${r.stderr}`);
}

/** The tasks in the order their runs started (commit order of their task.started spans). */
const startOrder = (h: Home) => taskSpans(h.home, 'task.started').map((s) => s.body.data.task as number);

describe('scheduling order', () => {
  let h: Home;
  beforeAll(() => {
    h = initHome('dan', 'acme');
    createTenant(h, 'beta');
  });
  afterAll(() => { h.run(['node', 'stop']); h.cleanup(); });

  it('serves tenants in strict round-robin: a, b, a queued on two tenants run a, b, a', async () => {
    const a1 = add(h, ['emit', '--payload', '{"title":"a1"}']);
    const b1 = add(h, ['emit', '--payload', '{"title":"b1"}', '--tenant', 'beta']);
    const a2 = add(h, ['emit', '--payload', '{"title":"a2"}']);
    startDaemon(h, { LOGLINE_TASK_CONCURRENCY: '1' });
    await finished(h, a2);
    expect(startOrder(h)).toEqual([a1, b1, a2]);
    expect(h.run(['node', 'stop']).code).toBe(0);
  });

  it('within a tenant: priority, then scheduled_for, then FIFO; a future scheduled_for is honoured', async () => {
    const before = startOrder(h).length;
    const past = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    const low = add(h, ['emit', '--payload', '{"title":"low"}', '--priority', 'low']);
    const n1 = add(h, ['emit', '--payload', '{"title":"n1"}', '--at', past(10)]);
    const n2 = add(h, ['emit', '--payload', '{"title":"n2"}', '--at', past(20)]);
    const n3 = add(h, ['emit', '--payload', '{"title":"n3"}', '--at', past(20)]);
    const high = add(h, ['emit', '--payload', '{"title":"high"}', '--priority', 'high']);
    const critical = add(h, ['emit', '--payload', '{"title":"critical"}', '--priority', 'critical']);
    // critical, but not due before the daemon has run every other task (queued last, so that the delay is enough)
    const later = add(h, ['emit', '--payload', '{"title":"later"}', '--priority', 'critical', '--at', '+5s']);
    startDaemon(h, { LOGLINE_TASK_CONCURRENCY: '1' });
    const laterAt = JSON.parse(h.run(['task', 'show', String(later), '--json']).stdout).scheduledFor;
    await finished(h, later);
    expect(startOrder(h).slice(before)).toEqual([critical, high, n2, n3, n1, low, later]);
    const started = taskSpans(h.home, 'task.started').find((s) => s.body.data.task === later)!;
    expect(started.body.ts >= laterAt).toBe(true);
  });
});

describe('runs, recorded as spans', () => {
  let h: Home;
  let hook: Awaited<ReturnType<typeof hookServer>>;
  const env = { LOGLINE_TASK_CONCURRENCY: '2', LOGLINE_TASK_EXEC_TENANTS: 'acme' };
  beforeAll(async () => {
    hook = await hookServer();
    h = initHome('dan', 'acme', env);
    startDaemon(h);
  });
  afterAll(async () => { h.run(['node', 'stop']); h.cleanup(); await hook.close(); });

  it('emit appends the span once; task.started and task.finished carry delta_s, outcome and caused_by', async () => {
    const trigger = JSON.parse(h.run(['log', 'the trigger', '--json']).stdout).id;
    const id = add(h, ['emit', '--payload', '{"title":"emitted by a task","tags":["t"]}', '--caused-by', trigger]);
    const row = await finished(h, id);
    expect(row.status).toBe('succeeded');
    const emitted = JSON.parse(h.run(['timeline', '--tag', 't', '--json']).stdout).spans;
    expect(emitted.map((s: { title: string }) => s.title)).toEqual(['emitted by a task']);
    expect(emitted[0].caused_by).toBe(trigger);
    expect(JSON.parse(row.result!).spans).toEqual([emitted[0].id]);
    const started = taskSpans(h.home, 'task.started').find((s) => s.body.data.task === id)!;
    const done = taskSpans(h.home, 'task.finished').find((s) => s.body.data.task === id)!;
    expect(started.body).toMatchObject({ kind: 'system', caused_by: trigger, data: { task: id, type: 'emit', attempt: 1, priority: 'normal' } });
    expect(done.body).toMatchObject({ kind: 'system', caused_by: trigger, related: [started.id], data: { task: id, outcome: 'succeeded', final: true } });
    expect(typeof done.body.delta_s).toBe('number');
    const shown = JSON.parse(h.run(['task', 'show', String(id), '--json']).stdout);
    expect(shown.runs).toEqual([expect.objectContaining({ attempt: 1, outcome: 'succeeded', startedSpan: started.id, finishedSpan: done.id })]);
  });

  it('runs at most task_concurrency tasks at once', async () => {
    const before = hook.hits.length;
    const ids = [1, 2, 3, 4, 5].map(() => add(h, ['webhook', '--payload', JSON.stringify({ url: `${hook.url}/slow/300` })]));
    for (const id of ids) expect((await finished(h, id)).status).toBe('succeeded');
    expect(hook.hits.length - before).toBe(5);
    expect(hook.maxInFlight()).toBe(2);
  });

  it('webhook: 500 is retried with exponential backoff up to its cap, then recorded as failed', async () => {
    const id = add(h, ['webhook', '--payload', JSON.stringify({ url: `${hook.url}/status/500` }), '--retries', '2', '--backoff', '100ms', '--backoff-max', '150ms']);
    const row = await finished(h, id);
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect(JSON.parse(row.error!).code).toBe('WEBHOOK_HTTP_ERROR');
    expect(hook.hits.filter((x) => x.path === '/status/500').length).toBe(3);
    const runs = taskSpans(h.home, 'task.finished').filter((s) => s.body.data.task === id).map((s) => s.body);
    expect(runs.map((r) => [r.data.outcome, r.data.final])).toEqual([['failed', false], ['failed', false], ['failed', true]]);
    // the delay after attempt n is backoff·2^(n-1), capped: 100 ms, then 150 (not 200)
    expect(runs.slice(0, 2).map((r) => Date.parse(r.data.retry_at) - Date.parse(r.ts))).toEqual([100, 150]);
  });

  it('webhook: a timeout is retried, then recorded as failed; a 404 fails at once', async () => {
    const slow = add(h, ['webhook', '--payload', JSON.stringify({ url: `${hook.url}/hang` }), '--retries', '1', '--backoff', '50ms', '--timeout', '300ms']);
    const refused = add(h, ['webhook', '--payload', JSON.stringify({ url: `${hook.url}/status/404` }), '--retries', '3']);
    expect(await finished(h, slow)).toMatchObject({ status: 'failed', attempts: 2 });
    expect(JSON.parse(status(h, slow).error!).code).toBe('TASK_TIMEOUT');
    const outcomes = taskSpans(h.home, 'task.finished').filter((s) => s.body.data.task === slow).map((s) => s.body.data.outcome);
    expect(outcomes).toEqual(['timeout', 'timeout']);
    expect(await finished(h, refused)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(JSON.parse(status(h, refused).error!).code).toBe('WEBHOOK_REJECTED');
  });

  it('cancels a queued task at once and a running one through the daemon; retry queues a failed task again', async () => {
    const queued = add(h, ['emit', '--payload', '{"title":"never"}', '--at', '+1h']);
    expect(JSON.parse(h.run(['task', 'cancel', String(queued), '--json']).stdout).status).toBe('cancelled');
    const running = add(h, ['webhook', '--payload', JSON.stringify({ url: `${hook.url}/hang` }), '--timeout', '1m']);
    await waitFor(() => status(h, running).status === 'running' && hook.hits.some((x) => x.path === '/hang' && !x.aborted), 20_000, 'the hanging webhook');
    expect(h.run(['task', 'cancel', String(running)]).code).toBe(0);
    expect(await finished(h, running)).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(taskSpans(h.home, 'task.finished').find((s) => s.body.data.task === running)!.body.data.outcome).toBe('cancelled');
    const again = h.run(['task', 'cancel', String(running)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TASK_NOT_CANCELLABLE');

    hook.switchStatus.value = 500;
    const flaky = add(h, ['webhook', '--payload', JSON.stringify({ url: `${hook.url}/switch` }), '--retries', '0']);
    expect((await finished(h, flaky)).status).toBe('failed');
    hook.switchStatus.value = 200;
    expect(JSON.parse(h.run(['task', 'retry', String(flaky), '--json']).stdout).status).toBe('queued');
    expect(await finished(h, flaky)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(readStore(h.home, (db) => db.prepare('SELECT count(*) FROM spans WHERE title = \'never\'').pluck().get())).toBe(0);
  });

  it('exec runs a command when enabled for the tenant and is killed at its timeout; sync without p2p fails', async () => {
    const ok = add(h, ['exec', '--payload', JSON.stringify({ command: ['sh', '-c', 'echo "hi $X"'], env: { X: 'there' } })]);
    expect(JSON.parse((await finished(h, ok)).result!)).toMatchObject({ exit_code: 0, stdout: 'hi there\n' });
    const slow = add(h, ['exec', '--payload', JSON.stringify({ command: ['sleep', '30'] }), '--timeout', '200ms']);
    expect(await finished(h, slow)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(JSON.parse(status(h, slow).error!).code).toBe('TASK_TIMEOUT');
    const sync = add(h, ['sync']);
    expect(JSON.parse((await finished(h, sync)).error!).code).toBe('P2P_OFF');
  });

  it('backup writes what `logline backup` writes, which `logline restore` takes, while the node runs', async () => {
    const path = join(h.home, 'backups', 'node-{ts}.tar');
    const id = add(h, ['backup', '--payload', JSON.stringify({ path })]);
    const result = JSON.parse((await finished(h, id)).result!);
    expect(result.path).toMatch(/node-\d{8}T\d{6}Z\.tar$/);
    expect(existsSync(result.path)).toBe(true);
    const other = initHome('eve', 'other');
    try {
      const restored = other.run(['restore', result.path, '--json']);
      expect(restored.code).toBe(0);
      // the snapshot holds what had committed when it ran: this task's own task.started span among it
      const started = taskSpans(h.home, 'task.started').find((s) => s.body.data.task === id)!;
      expect(taskSpans(other.home, 'task.started').map((s) => s.id)).toContain(started.id);
    } finally {
      other.cleanup();
    }
  });

  it('a cron schedule queues tasks until it is removed', async () => {
    const made = JSON.parse(h.run(['schedule', 'add', '* * * * * *', 'emit', '--payload', '{"title":"tick"}', '--json']).stdout);
    expect(made).toMatchObject({ cron: '* * * * * *', type: 'emit' });
    const ticks = () => readStore(h.home, (db) => db.prepare('SELECT count(*) FROM tasks WHERE schedule_id = ? AND status = \'succeeded\'').pluck().get(made.id) as number);
    await waitFor(() => ticks() >= 2, 20_000, 'two ticks');
    expect(JSON.parse(h.run(['schedule', 'list', '--json']).stdout)[0].lastTask).toBeGreaterThan(0);
    expect(h.run(['schedule', 'remove', String(made.id)]).code).toBe(0);
    // every tick fired before the removal committed is in the table already; none comes after it
    const count = () => readStore(h.home, (db) => db.prepare('SELECT count(*) FROM tasks WHERE payload = \'{"title":"tick"}\'').pluck().get() as number);
    const after = count();
    await new Promise((r) => setTimeout(r, 1500));
    expect(count()).toBe(after);
  });

  it('shows the engine in node status and /metrics', async () => {
    const s = JSON.parse(h.run(['node', 'status', '--json']).stdout);
    expect(s.tasks).toMatchObject({ concurrency: 2, running: expect.any(Number), queued: expect.any(Number) });
    expect(h.run(['node', 'status']).stdout).toMatch(/^tasks +\d+ running of 2, \d+ queued/m);
    const metrics = await fetchMetrics(join(h.home, 'run', 'node.sock'));
    expect(metrics).toMatch(/logline_tasks_finished_total\{tenant="acme",type="webhook",outcome="failed"\} \d+/);
    expect(metrics).toMatch(/^logline_tasks_queued \d+$/m);
  });
});

describe('bad input', () => {
  let h: Home;
  beforeAll(() => { h = initHome('dan', 'acme'); startDaemon(h); });
  afterAll(() => { h.run(['node', 'stop']); h.cleanup(); });

  it('names the field and enqueues nothing', () => {
    const cases: [string[], string, string][] = [
      [['task', 'add', 'telegram', '--payload', '{}'], 'TASK_UNKNOWN_TYPE', 'type:'],
      [['task', 'add', 'emit', '--payload', '{"title":""}'], 'TASK_BAD_PAYLOAD', 'payload.title'],
      [['task', 'add', 'emit', '--payload', '{"title":"x","colour":"red"}'], 'TASK_BAD_PAYLOAD', 'payload.colour'],
      [['task', 'add', 'webhook', '--payload', '{"url":"not a url"}'], 'TASK_BAD_PAYLOAD', 'payload.url'],
      [['task', 'add', 'emit', '--payload', '[1]'], 'BAD_JSON', '--payload'],
      [['task', 'add', 'emit', '--payload', '{"title":"x"}', '--at', 'next tuesday'], 'BAD_TIME', '--at'],
      [['task', 'add', 'emit', '--payload', '{"title":"x"}', '--timeout', 'forever'], 'BAD_DURATION', '--timeout'],
      [['task', 'add', 'exec', '--payload', '{"command":["true"]}'], 'TASK_EXEC_DISABLED', 'type:'],
      [['schedule', 'add', '61 * * * *', 'emit', '--payload', '{"title":"x"}'], 'BAD_CRON', 'cron:'],
      [['schedule', 'add', 'every day', 'emit', '--payload', '{"title":"x"}'], 'BAD_CRON', 'cron:'],
      [['schedule', 'add', '* * * * *', 'emit', '--payload', '{"title":"x"}', '--tz', 'Mars/Olympus'], 'BAD_TIMEZONE', 'timezone:'],
      [['schedule', 'add', '* * * * *', 'emit', '--payload', '{}'], 'TASK_BAD_PAYLOAD', 'payload.title'],
      [['task', 'add', 'emit', '--payload', '{"title":"x"}', '--tenant', 'nowhere'], 'TENANT_UNKNOWN', 'tenant nowhere'],
    ];
    for (const [args, code, field] of cases) {
      const r = h.run(args);
      expect({ args, code: r.code }).toEqual({ args, code: code === 'TENANT_UNKNOWN' ? 1 : 2 });
      expect(r.stderr).toContain(`${code}: `);
      expect(r.stderr).toContain(field);
    }
    expect(JSON.parse(h.run(['task', 'list', '--json', '--all-tenants']).stdout)).toEqual([]);
    expect(JSON.parse(h.run(['schedule', 'list', '--json', '--all-tenants']).stdout)).toEqual([]);
    const json = h.run(['task', 'add', 'emit', '--payload', '{"title":5}', '--json']);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'TASK_BAD_PAYLOAD' });
  });
});

function fetchMetrics(socketPath: string): Promise<string> {
  return import('node:http').then(({ request }) => new Promise((resolve, reject) => {
    request({ socketPath, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve(body));
    }).on('error', reject).end();
  }));
}

describe('sync', () => {
  let h: Home;
  beforeAll(() => { h = initHome('dan', 'acme'); startDaemon(h, { LOGLINE_LISTEN: '/ip4/127.0.0.1/tcp/0' }); });
  afterAll(() => { h.run(['node', 'stop']); h.cleanup(); });

  it('runs a federation round when the daemon listens for peers', async () => {
    const id = add(h, ['sync']);
    const row = await finished(h, id);
    expect(row.status).toBe('succeeded');
    expect(JSON.parse(row.result!)).toEqual({ peers: 0 });
  });
});

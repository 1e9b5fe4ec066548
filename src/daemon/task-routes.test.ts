import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../testing/http.js';
import { initHome } from '../testing/cli.js';
import { createTenant, waitFor } from '../testing/tasks.js';

type Home = ReturnType<typeof initHome>;


describe('task routes of the local API', () => {
  let h: Home;
  let owner: { socket: string };
  let token: { url: string; token: string };
  beforeAll(() => {
    const env = { LOGLINE_TASK_EXEC_TENANTS: '*' };
    h = initHome('dan', 'acme', env);
    createTenant(h, 'beta');
    expect(h.run(['node', 'start', '--http', '127.0.0.1:0']).code).toBe(0);
    const status = JSON.parse(h.run(['node', 'status', '--json']).stdout);
    owner = { socket: join(h.home, 'run', 'node.sock') };
    token = { url: status.api.http, token: JSON.parse(h.run(['token', 'create', '--role', 'writer', '--json']).stdout).token };
  });
  afterAll(() => { h.run(['node', 'stop']); h.cleanup(); });

  it('adds a task and wakes the engine; shows it with its runs', async () => {
    const added = await call(owner, 'POST', '/api/v1/tasks', { type: 'emit', tenant: 'beta', payload: { title: 'via the api' } });
    expect(added).toMatchObject({ status: 201, body: { type: 'emit', tenant: 'beta', status: 'queued' } });
    const done = await waitFor(async () => {
      const r = await call(owner, 'GET', `/api/v1/tasks/${added.body.id}`);
      return r.body.status === 'succeeded' && r.body;
    }, 20_000, 'the task to run');
    expect(done.runs).toEqual([expect.objectContaining({ attempt: 1, outcome: 'succeeded' })]);
  });

  it('a token acts on its own tenant only, and may not queue exec or backup', async () => {
    const mine = await call(token, 'POST', '/api/v1/tasks', { type: 'emit', payload: { title: 'from a token' }, at: new Date(Date.now() + 3600_000).toISOString() });
    expect(mine).toMatchObject({ status: 201, body: { tenant: 'acme', status: 'queued' } });
    expect((await call(token, 'POST', '/api/v1/tasks', { type: 'emit', tenant: 'beta', payload: { title: 'x' } })).body.error.code).toBe('FORBIDDEN');
    expect((await call(token, 'POST', '/api/v1/tasks', { type: 'exec', payload: { command: ['id'] } })).body.error.code).toBe('FORBIDDEN');
    expect((await call(token, 'POST', '/api/v1/tasks', { type: 'backup', payload: { path: '/tmp/x.db' } })).body.error.code).toBe('FORBIDDEN');
    const listed = await call(token, 'GET', '/api/v1/tasks');
    expect(listed.body.tasks.map((t: { tenant: string }) => t.tenant)).toEqual(['acme']);
    const theirs = (await call(owner, 'GET', '/api/v1/tasks?tenant=beta')).body.tasks[0];
    expect((await call(token, 'GET', `/api/v1/tasks/${theirs.id}`)).status).toBe(404);
    expect((await call(token, 'POST', `/api/v1/tasks/${theirs.id}/cancel`)).status).toBe(404);
    expect(await call(token, 'POST', `/api/v1/tasks/${mine.body.id}/cancel`)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(await call(token, 'POST', `/api/v1/tasks/${mine.body.id}/retry`)).toMatchObject({ status: 200, body: { status: 'queued' } });
  });

  it('refuses bad input with the field named, storing nothing', async () => {
    const before = (await call(owner, 'GET', '/api/v1/tasks?limit=1000')).body.tasks.length;
    const bad = await call(owner, 'POST', '/api/v1/tasks', { type: 'webhook', tenant: 'acme', payload: { url: 'nope' } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'TASK_BAD_PAYLOAD', details: { field: 'payload.url' } } } });
    expect((await call(owner, 'POST', '/api/v1/tasks', { type: 'emit', tenant: 'acme', payload: { title: 'x' }, at: 'soon' })).body.error.code).toBe('BAD_TIME');
    expect((await call(owner, 'GET', '/api/v1/tasks?status=bogus')).body.error.code).toBe('BAD_STATUS');
    expect((await call(owner, 'GET', '/api/v1/tasks?limit=1000')).body.tasks.length).toBe(before);
  });
});

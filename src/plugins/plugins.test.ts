import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../testing/http.js';
import { initHome, tempDir } from '../testing/cli.js';
import { readStore, waitFor } from '../testing/tasks.js';

type Home = ReturnType<typeof initHome>;

/** A user plugin that registers a task type, routes, a span sink and a rule action. */
const COUNTER = `
const seen = [];
export default {
  name: 'counter',
  version: '0.1.0',
  register(host) {
    const { v } = host;
    host.taskType({
      name: 'count',
      description: 'append a span "counted N"',
      schema: v.strictObject({ n: v.pipe(v.number(), v.integer()) }),
      defaults: { maxAttempts: 1, backoffMs: 0, backoffMaxMs: 0, timeoutMs: 10000, onCrash: 'fail' },
      async run(payload, ctx) {
        return { data: { n: payload.n }, spans: [{ tenant: ctx.task.tenant, title: 'counted ' + payload.n, data: { n: payload.n } }] };
      },
    });
    host.spanSink({ name: 'memory', write(spans, info) { for (const s of spans) seen.push({ tenant: s.tenant, title: s.title, from: info.from }); } });
    host.route({ method: 'GET', path: '/seen', handler: (req) => ({ tenant: req.tenant, titles: seen.filter((s) => req.tenant === null || s.tenant === req.tenant).map((s) => s.title) }) });
    host.route({ method: 'POST', path: '/notes/:id', scope: 'write', status: 201, handler: async (req) => {
      const body = await req.json();
      if (typeof body?.text !== 'string') throw host.error('BAD_NOTE', 'text: must be a string', { usage: true });
      return { id: req.params.id, text: body.text, tenant: req.tenant };
    } });
    host.ruleAction({ name: 'shout', description: 'log a line', schema: v.object({ text: v.string() }), run: (p) => host.log(p.text) });
  },
};`;


/** A plugin that loads fine and then throws from everything it registered. */
const FAULTY = `
export default {
  name: 'faulty',
  register(host) {
    const { v } = host;
    host.taskType({ name: 'explode', description: 'throws', schema: v.object({}),
      defaults: { maxAttempts: 1, backoffMs: 0, backoffMaxMs: 0, timeoutMs: 10000, onCrash: 'fail' },
      run() { throw new Error('the task type blew up'); } });
    host.spanSink({ name: 'broken', write() { throw new Error('the sink blew up'); } });
    host.route({ method: 'GET', path: '/boom', handler() { throw new TypeError('the route blew up'); } });
    host.route({ method: 'GET', path: '/stray', handler() { setTimeout(() => Promise.reject(new Error('a stray rejection')), 0); return { ok: true }; } });
    host.ruleAction({ name: 'explode', description: 'throws', schema: v.object({}), run() { return Promise.reject(new Error('the action blew up')); } });
  },
};`;

describe('plugins in a running daemon', () => {
  let h: Home;
  let dir: ReturnType<typeof tempDir>;
  let owner: { socket: string };
  let status: any;
  const file = (name: string, text: string) => {
    writeFileSync(join(dir.dir, name), text);
    return join(dir.dir, name);
  };

  beforeAll(() => {
    dir = tempDir('logline-plugins-');
    const plugins = [
      file('counter.mjs', COUNTER),
      file('faulty.mjs', FAULTY),
      file('throws.mjs', "export default { name: 'thrower', register() { throw new Error('boom at load'); } };"),
      file('import-throws.mjs', "throw new Error('boom at import');\nexport default { name: 'never', register() {} };"),
      file('same-name.mjs', "export default { name: 'counter', register() {} };"),
      file('built-in-type.mjs', "export default { name: 'shadow', register(host) { host.taskType({ name: 'emit', description: '', schema: host.v.object({}), defaults: {}, run: async () => ({}) }); } };"),
      file('broken.mjs', 'export default {'),
      join(dir.dir, 'missing.mjs'),
    ];
    h = initHome('dan', 'acme');
    expect(h.run(['config', 'set', 'plugins', plugins.join(',')]).code).toBe(0);
    const started = h.run(['node', 'start', '--http', '127.0.0.1:0']);
    expect(started.code, started.stderr).toBe(0);
    owner = { socket: join(h.home, 'run', 'node.sock') };
    status = JSON.parse(h.run(['node', 'status', '--json']).stdout);
  });
  afterAll(() => {
    h.run(['node', 'stop']);
    h.cleanup();
    dir.cleanup();
  });

  it('loads the first-party plugins, then the user plugin; the node is ready despite the bad ones', () => {
    expect(status.state).toBe('ready');
    const loaded = status.plugins.plugins.map((p: { name: string; origin: string }) => `${p.name}:${p.origin}`);
    expect(loaded).toEqual(['exec:first-party', 'webhook:first-party', 'counter:config', 'faulty:config']);
    expect(status.plugins.plugins[2]).toMatchObject({
      version: '0.1.0', source: join(dir.dir, 'counter.mjs'), taskTypes: ['count'], ruleActions: ['shout'], spanSinks: ['memory'],
      routes: ['GET /api/v1/plugins/counter/seen', 'POST /api/v1/plugins/counter/notes/:id'],
    });
  });

  it('names each failed plugin and its file, with a code per cause', () => {
    const failures = Object.fromEntries(status.plugins.failures.map((f: { source: string; code: string; message: string; plugin: string | null }) => [f.source.split('/').pop(), f]));
    expect(failures['throws.mjs']).toMatchObject({ plugin: 'thrower', code: 'PLUGIN_REGISTER_FAILED' });
    expect(failures['throws.mjs'].message).toContain(`the plugin thrower (${join(dir.dir, 'throws.mjs')}): boom at load`);
    expect(failures['same-name.mjs']).toMatchObject({ plugin: 'counter', code: 'PLUGIN_DUPLICATE' });
    expect(failures['same-name.mjs'].message).toContain(`the plugin name "counter" is already registered by the plugin loaded from ${join(dir.dir, 'counter.mjs')}`);
    expect(failures['built-in-type.mjs']).toMatchObject({ plugin: 'shadow', code: 'PLUGIN_DUPLICATE' });
    expect(failures['built-in-type.mjs'].message).toContain('the task type "emit" is already registered by logline (built in)');
    expect(failures['broken.mjs']).toMatchObject({ plugin: null, code: 'PLUGIN_LOAD_FAILED' });
    expect(failures['import-throws.mjs']).toMatchObject({ plugin: null, code: 'PLUGIN_LOAD_FAILED' });
    expect(failures['import-throws.mjs'].message).toBe(`the plugin at ${join(dir.dir, 'import-throws.mjs')}: boom at import`);
    expect(failures['missing.mjs']).toMatchObject({ plugin: null, code: 'PLUGIN_NOT_FOUND' });
    expect(Object.keys(failures)).toHaveLength(6);
    const text = h.run(['node', 'status']).stdout;
    expect(text).toMatch(/plugins +exec, webhook, counter, faulty; 6 failed/);
    expect(text).toContain('PLUGIN_REGISTER_FAILED');
  });

  it('runs the plugin task type queued from the CLI, and its sink sees the spans it appended', async () => {
    const added = h.run(['task', 'add', 'count', '--payload', '{"n":3}', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const id = JSON.parse(added.stdout).id as number;
    await waitFor(() => readStore(h.home, (db) => (db.prepare('SELECT status FROM tasks WHERE id = ?').get(id) as { status: string }).status === 'succeeded'), 20_000, 'the count task');
    const spans = readStore(h.home, (db) => db.prepare("SELECT count(*) AS n FROM spans WHERE title = 'counted 3'").get() as { n: number });
    expect(spans.n).toBe(1);
    const seen = await waitFor(async () => {
      const r = await call(owner, 'GET', '/api/v1/plugins/counter/seen?tenant=acme');
      return r.body.titles.includes('counted 3') && r.body.titles.includes('task.finished') && r;
    }, 10_000, 'the sink to see the task spans');
    expect(seen).toMatchObject({ status: 200, body: { tenant: 'acme' } });
    // a bad payload is refused by the plugin's schema, naming the field
    const bad = h.run(['task', 'add', 'count', '--payload', '{"n":"x"}']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('payload.n');
  });

  it('carries out a plugin rule action when a reaction rule fires', async () => {
    const rules = file('shout.yaml', `rules:
  - id: shout-on-alarm
    condition: { type: contains_text, field: title, text: alarm }
    actions:
      - { type: plugin, action: shout, params: { text: "a rule shouted" } }
`);
    expect(h.run(['rules', 'add', rules]).code).toBe(0);
    expect(h.run(['log', 'fire alarm']).code).toBe(0);
    await waitFor(() => readFileSync(join(h.home, 'state', 'node.log'), 'utf8').includes('a rule shouted'), 20_000, 'the plugin action');
    const fired = readStore(h.home, (db) => db.prepare("SELECT action, outcome FROM reactions_fired WHERE rule = 'shout-on-alarm'").all());
    expect(fired).toEqual([{ action: 'plugin', outcome: 'ok' }]);
  });

  it('serves plugin routes with the router\'s auth scopes', async () => {
    const reader = { url: status.api.http, token: JSON.parse(h.run(['token', 'create', '--role', 'reader', '--json']).stdout).token };
    const writer = { url: status.api.http, token: JSON.parse(h.run(['token', 'create', '--role', 'writer', '--json']).stdout).token };
    expect(await call(reader, 'GET', '/api/v1/plugins/counter/seen')).toMatchObject({ status: 200, body: { tenant: 'acme' } });
    expect((await call({ url: status.api.http, token: 'nope' }, 'GET', '/api/v1/plugins/counter/seen')).status).toBe(401);
    expect((await call(reader, 'POST', '/api/v1/plugins/counter/notes/7', { text: 'hi' })).body.error.code).toBe('FORBIDDEN');
    expect(await call(writer, 'POST', '/api/v1/plugins/counter/notes/7', { text: 'hi' })).toEqual({ status: 201, body: { id: '7', text: 'hi', tenant: 'acme' } });
    expect(await call(writer, 'POST', '/api/v1/plugins/counter/notes/7', { text: 1 })).toMatchObject({ status: 400, body: { error: { code: 'BAD_NOTE' } } });
    expect((await call(owner, 'GET', '/api/v1/plugins/thrower/seen')).body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('a plugin that throws from its task type, span sink, route and rule action does not take the node down', async () => {
    const rules = file('explode.yaml', `rules:
  - id: explode-on-boom
    condition: { type: contains_text, field: title, text: boom }
    actions:
      - { type: plugin, action: explode, params: {} }
`);
    expect(h.run(['rules', 'add', rules]).code).toBe(0);
    expect(h.run(['log', 'boom']).code).toBe(0);
    const added = JSON.parse(h.run(['task', 'add', 'explode', '--json']).stdout) as { id: number };
    const route = await call(owner, 'GET', '/api/v1/plugins/faulty/boom');
    expect(route).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL' } } });
    const task = await waitFor(() => readStore(h.home, (db) => {
      const row = db.prepare('SELECT status, error FROM tasks WHERE id = ?').get(added.id) as { status: string; error: string | null };
      return row.status === 'failed' && row;
    }), 20_000, 'the explode task to fail');
    expect(JSON.parse(task.error!).message).toContain('the task type blew up');
    await waitFor(() => readStore(h.home, (db) => db.prepare("SELECT outcome FROM reactions_fired WHERE rule = 'explode-on-boom'").get() as { outcome: string } | undefined), 20_000, 'the rule to fire');
    expect(readStore(h.home, (db) => db.prepare("SELECT outcome FROM reactions_fired WHERE rule = 'explode-on-boom'").all())).toEqual([{ outcome: 'failed: the action blew up' }]);
    const top = JSON.parse(h.run(['top', '--json', '--interval', '0.1']).stdout);
    expect(top.node.state).toBe('ready');
    expect(top.errors).toMatchObject({ tasks: 1, rules: 1 });
    expect(top.errors.sinks).toBeGreaterThanOrEqual(2); // every commit since the start: the rule, the log, the task's spans
    const log = readFileSync(join(h.home, 'state', 'node.log'), 'utf8');
    expect(log).toContain('plugin faulty: span sink broken failed: the sink blew up');
    // the other plugins' sinks go on: the counter saw the span that made the faulty sink throw
    expect((await call(owner, 'GET', '/api/v1/plugins/counter/seen?tenant=acme')).body.titles).toContain('boom');
  });

  it('a promise a plugin leaves to reject with nobody to handle it is logged and counted; the node goes on', async () => {
    expect(await call(owner, 'GET', '/api/v1/plugins/faulty/stray')).toMatchObject({ status: 200 });
    const logFile = join(h.home, 'state', 'node.log');
    await waitFor(() => readFileSync(logFile, 'utf8').includes('a stray rejection'), 20_000, 'the rejection in the log');
    expect(readFileSync(logFile, 'utf8')).toMatch(/unhandled rejection \(the node goes on\): Error: a stray rejection/);
    expect(JSON.parse(h.run(['node', 'status', '--json']).stdout).state).toBe('ready');
    const metrics = await new Promise<string>((resolve, reject) => {
      request({ socketPath: owner.socket, path: '/metrics' }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve(text));
      }).on('error', reject).end();
    });
    expect(metrics).toMatch(/^logline_unhandled_rejections_total 1$/m);
  });

  it('plugin list shows what the daemon loaded, and the failures', () => {
    const r = h.run(['plugin', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.from).toBe('daemon');
    expect(list.plugins.map((p: { name: string }) => p.name)).toEqual(['exec', 'webhook', 'counter', 'faulty']);
    expect(list.failures).toHaveLength(6);
    const text = h.run(['plugin', 'list']).stdout;
    expect(text).toMatch(/counter 0\.1\.0 +config +\S+counter\.mjs/);
    expect(text).toMatch(/task types +count/);
    expect(text).toMatch(/failed +thrower +PLUGIN_REGISTER_FAILED/);
  });
});

describe('plugins without a daemon', () => {
  let h: Home;
  beforeAll(() => { h = initHome('dan', 'acme'); });
  afterAll(() => h.cleanup());

  it('task add knows the first-party webhook type; plugin list loads them in-process', () => {
    const added = h.run(['task', 'add', 'webhook', '--payload', '{"url":"http://127.0.0.1:9/x"}', '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ type: 'webhook', status: 'queued' });
    const list = JSON.parse(h.run(['plugin', 'list', '--json']).stdout);
    expect(list).toMatchObject({ from: 'in-process', failures: [] });
    expect(list.plugins.map((p: { name: string; taskTypes: string[] }) => `${p.name}:${p.taskTypes.join('')}`)).toEqual(['exec:exec', 'webhook:webhook']);
  });

  it('a task type nobody registers is refused, listing those that are', () => {
    const r = h.run(['task', 'add', 'nope', '--payload', '{}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown task type "nope"; known: backup, emit, exec, sync, webhook/);
  });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, initHome } from '../../testing/cli.js';
import { waitFor } from '../../testing/tasks.js';
import { hasTmux, terminal } from '../../testing/terminal.js';

type Home = ReturnType<typeof initHome>;

/** A running `logline … tail -f` with its stdout piped (no TTY), and a way to wait for what it prints. */
function follow(h: Home, args: string[]): { child: ChildProcess; out: () => string; waitFor: (text: string) => Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, '--home', h.home, 'tail', '-f', ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (text: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!out.includes(text)) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`no "${text}" in:\n${out}`)); }, 15_000);
    waiters.add(check);
    check();
  });
  return { child, out: () => out, waitFor, exited };
}

describe('tail without a terminal', () => {
  let h: Home;
  beforeAll(() => {
    h = initHome('dan', 'acme');
    for (const title of ['one', 'two', 'three']) h.run(['log', title, '--tag', 'seed']);
  });
  afterAll(() => h.cleanup());

  it('prints the latest spans oldest first, as lines or NDJSON', () => {
    const lines = h.run(['tail', '-n', '2']).stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(3).join(' '))).toEqual(['two #seed', 'three #seed']);
    const nd = h.run(['tail', '-n', '2', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { title: string });
    expect(nd.map((s) => s.title)).toEqual(['two', 'three']);
    expect(h.run(['tail', '-n', '0']).stdout).toBe('');
  });

  it('-f without a daemon follows the store: new spans of other processes, filtered, in plain lines without escape codes', async () => {
    const t = follow(h, ['-n', '1', '--status', 'executed']);
    try {
      await t.waitFor('three');
      h.run(['log', 'skipped by the filter', '--status', 'simulated']);
      h.run(['log', 'appended later']);
      await t.waitFor('appended later');
      expect(t.out()).not.toContain('skipped by the filter');
      expect(t.out()).not.toContain('\x1b');
      expect(t.out().trim().split('\n')).toHaveLength(2);
    } finally {
      t.child.kill('SIGINT');
    }
    expect(await t.exited).toBe(0);
  });

  describe('with the daemon', () => {
    beforeAll(() => { expect(h.run(['node', 'start']).code).toBe(0); });
    afterAll(() => { h.run(['node', 'stop']); });

    it('-f --json prints one JSON span per line as they commit', async () => {
      const t = follow(h, ['-n', '1', '--json']);
      try {
        await t.waitFor('appended later'); // the latest span is printed once the stream is open
        h.run(['log', 'through the daemon', '--tag', 'live']);
        await t.waitFor('through the daemon');
        const spans = t.out().trim().split('\n').map((l) => JSON.parse(l) as { title: string; tags: string[] });
        expect(spans).toEqual([expect.objectContaining({ title: 'appended later' }), expect.objectContaining({ title: 'through the daemon', tags: ['live'] })]);
      } finally {
        t.child.kill('SIGTERM');
      }
      expect(await t.exited).toBe(0);
    });

    it('top --json prints one snapshot with rates, tasks, rules fired, errors, API counters and the daemon\'s metrics', async () => {
      const rules = join(h.home, 'alarm.yaml');
      writeFileSync(rules, `rules:
  - id: echo-alarms
    condition: { type: contains_text, field: title, text: alarm }
    actions:
      - { type: emit, title: "alarm echoed" }
  - id: broken-action
    condition: { type: contains_text, field: title, text: alarm }
    actions:
      - { type: plugin, action: nobody-registers-this, params: {} }
`);
      expect(h.run(['rules', 'add', rules]).code).toBe(0);
      expect(h.run(['log', 'fire alarm']).code).toBe(0);
      expect(h.run(['task', 'add', 'emit', '--payload', '{"title":"a task ran"}']).code).toBe(0);
      expect(h.run(['task', 'add', 'webhook', '--payload', '{"url":"http://127.0.0.1:9/closed"}', '--retries', '0']).code).toBe(0);
      const top = () => {
        const r = h.run(['top', '--json', '--interval', '0.2']);
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout);
      };
      const snap = await waitFor(() => {
        const s = top();
        return s.rules.fired >= 2 && s.tasks.finished.succeeded >= 1 && s.tasks.finished.failed >= 1 && s;
      }, 20_000, 'the rules to fire and the tasks to finish');
      expect(snap.node).toMatchObject({ running: true, state: 'ready' });
      expect(snap.tenants).toEqual([expect.objectContaining({ tenant: 'acme', spans: snap.spans })]);
      expect(typeof snap.spansPerSecond).toBe('number');
      expect(snap.tasks).toMatchObject({ concurrency: 8, running: 0, queued: 0, finished: { succeeded: 1, failed: 1 } });
      expect(snap.rules).toMatchObject({ fired: 2, failed: 1 });
      expect(typeof snap.rules.perSecond).toBe('number');
      expect(snap.errors).toEqual({ api: snap.api.errors, tasks: 1, rules: 1, sinks: 0, rejected: 0 });
      expect(snap.api.requests).toBeGreaterThan(0);
      expect(snap.metrics.logline_api_requests_total).toBe(snap.api.requests);
      expect(snap.peers).toEqual([]);
      const text = h.run(['top', '--interval', '0.1']).stdout;
      expect(text).toMatch(/^tasks +0 running of 8, 0 queued, 0 schedules; finished: (?=.*1 succeeded)(?=.*1 failed)/m);
      expect(text).toMatch(/^rules +2 fired, [\d.]+\/s, 1 failed$/m);
      expect(text).toMatch(/^errors +api \d+, tasks 1, rules 1, sinks 0, rejected 0$/m);
      expect(text).not.toContain('\x1b');
    });
  });
});

describe.skipIf(!hasTmux)('live views in a real terminal (tmux)', () => {
  let h: Home;
  beforeAll(() => {
    h = initHome('dan', 'acme');
    h.run(['log', 'before the view']);
  });
  afterAll(() => h.cleanup());

  it('tail -f draws new spans coloured by status under a status line, and quits on q', async () => {
    const term = terminal('tail');
    try {
      term.start(['--home', h.home, 'tail', '-f']);
      await term.waitFor('following acme');
      expect(term.screen()).toContain('before the view');
      h.run(['log', 'a simulated one', '--status', 'simulated']);
      const screen = await term.waitFor('a simulated one', true);
      expect(screen).toMatch(/\x1b\[36msimulated/); // cyan
      expect(term.screen()).toMatch(/following acme · via local · 1 new/);
      term.keys('q');
      await term.waitFor('exited with 0');
    } finally {
      term.close();
    }
  });

  it('top shows the node, its tenants and spans, and peers; with a daemon, its tasks, rules fired and errors', async () => {
    const term = terminal('top');
    try {
      term.start(['--home', h.home, 'top', '--interval', '0.2']);
      const screen = await term.waitFor('TENANTS');
      expect(screen).toContain('daemon stopped');
      const spans = Number(/spans (\d+)/.exec(screen)?.[1]);
      expect(spans).toBeGreaterThanOrEqual(2);
      expect(screen).toMatch(new RegExp(`acme +${spans} `));
      expect(screen).toContain('PEERS');
      h.run(['log', 'one more']);
      await term.waitFor(`spans ${spans + 1}`);
      // a daemon started meanwhile is found at the next sample: its tasks, rules fired and errors appear
      expect(h.run(['node', 'start']).code).toBe(0);
      try {
        const live = await term.waitFor('ERRORS');
        expect(live).toMatch(/TASKS\s+0 running of 8 +0 queued +0 schedules +finished: none/);
        expect(live).toMatch(/RULES\s+0 fired +[\d.]+\/s +0 failed/);
        expect(live).toMatch(/ERRORS\s+api \d+ +tasks 0 +rules 0 +sinks 0 +rejected 0/);
      } finally {
        h.run(['node', 'stop']);
      }
      term.keys('q');
      await term.waitFor('exited with 0');
    } finally {
      term.close();
    }
  });
});

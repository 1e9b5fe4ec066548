import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, initHome, tempDir } from '../testing/cli.js';

type Home = ReturnType<typeof initHome>;

describe('init, id and paths (no TTY)', () => {
  let h: Home;
  beforeAll(() => { h = initHome('dan', 'ACME Labs'); });
  afterAll(() => h.cleanup());

  it('creates key files of mode 0600 in a 0700 folder and a slugified tenant', () => {
    const paths = JSON.parse(h.run(['paths', '--json']).stdout);
    expect(paths.home).toBe(h.home);
    expect(statSync(paths.keys).mode & 0o777).toBe(0o700);
    expect(statSync(join(paths.keys, 'dan.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(paths.configFile, 'utf8')).toContain('tenant = "acme-labs"');
  });

  it('shows the identity as did:key and peer id, never the key', () => {
    const r = h.run(['id', 'show', '--json']);
    expect(r.code).toBe(0);
    const id = JSON.parse(r.stdout);
    expect(id.did).toMatch(/^did:key:z6Mk/);
    expect(id.peerId).toMatch(/^12D3KooW/);
    expect(id.handle).toBe('dan');
    const seed = JSON.parse(readFileSync(join(h.home, 'config', 'keys', 'dan.key'), 'utf8')).seed as string;
    expect(r.stdout + r.stderr).not.toContain(seed);
    expect(h.run(['id', 'list']).stdout).toContain('* dan');
  });

  it('refuses a second init of the same home', () => {
    const r = h.run(['init']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HOME_EXISTS');
  });

  it('gives a one-line error and a hint for a missing home', () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = cli(['--home', join(dir, 'nope'), 'log', 'x']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^logline: HOME_NOT_INITIALIZED: .*\nhint: run `logline --home .* init`\n$/);
    } finally { cleanup(); }
  });

  it('honours LOGLINE_HOME', () => {
    const r = cli(['id', 'show', '--json'], { env: { LOGLINE_HOME: h.home } });
    expect(JSON.parse(r.stdout).handle).toBe('dan');
  });
});

describe('encrypted keys', () => {
  const env = { LOGLINE_PASSPHRASE: 'correct horse battery staple' };
  let h: Home;
  beforeAll(() => { h = initHome('enc', 'acme', env); });
  afterAll(() => h.cleanup());

  it('stores no plain seed and signs with the passphrase', () => {
    const file = JSON.parse(readFileSync(join(h.home, 'config', 'keys', 'enc.key'), 'utf8'));
    expect(file.seed).toBeUndefined();
    expect(file.aead.alg).toBe('aes-256-gcm');
    const r = h.run(['log', 'sealed']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('refuses to sign without or with a wrong passphrase, without echoing it', () => {
    const locked = h.run(['log', 'x'], { env: { LOGLINE_PASSPHRASE: '' } });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain('KEY_LOCKED');
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'pass'), 'wrong-passphrase\n');
      const wrong = h.run(['--passphrase-file', join(dir, 'pass'), 'log', 'x'], { env: { LOGLINE_PASSPHRASE: '' } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('KEY_BAD_PASSPHRASE');
      expect(wrong.stderr).not.toContain('wrong-passphrase');
    } finally { cleanup(); }
  });

  it('reads the timeline without the passphrase', () => {
    expect(h.run(['timeline'], { env: { LOGLINE_PASSPHRASE: '' } }).code).toBe(0);
  });
});

describe('log, span show, timeline, search', () => {
  let h: Home;
  beforeAll(() => { h = initHome(); });
  afterAll(() => h.cleanup());

  it('sets every span field from flags', () => {
    const cause = h.run(['log', 'cause']).stdout.trim();
    const r = h.run(['log', 'Deployed api v2.3', '--json', '--tag', 'prod', '--tag', 'deploy', '--tag', 'prod', '--data', '{"sha":"ab12"}',
      '--meta', '{"host":"ci"}', '--status', 'simulated', '--kind', 'organization', '--contract', 'c1', '--workflow', 'w1', '--flow', 'f1',
      '--caused-by', cause, '--related', 'ext:b', '--related', 'ext:a', '--delta', '1.5']);
    expect(r.code).toBe(0);
    const span = JSON.parse(r.stdout);
    expect(span).toMatchObject({
      v: 1, tenant: 'acme', title: 'Deployed api v2.3', status: 'simulated', kind: 'organization', visibility: 'organization',
      tags: ['deploy', 'prod'], related: ['ext:a', 'ext:b'], data: { sha: 'ab12' }, metadata: { host: 'ci' },
      contract_id: 'c1', workflow_id: 'w1', flow_id: 'f1', caused_by: cause, delta_s: 1.5,
    });
    expect(span.seq).toBeGreaterThan(1);
    expect(span.prev).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads --data from a file and from stdin', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'd.json'), '{"amount":54}');
      expect(JSON.parse(h.run(['log', 'from file', '--json', '--data', `@${join(dir, 'd.json')}`]).stdout).data).toEqual({ amount: 54 });
      expect(JSON.parse(h.run(['log', 'from stdin', '--json', '--data', '-'], { input: '{"amount":7}' }).stdout).data).toEqual({ amount: 7 });
    } finally { cleanup(); }
  });

  it('writes private spans without a chain position', () => {
    const span = JSON.parse(h.run(['log', 'secret', '--visibility', 'private', '--json']).stdout);
    expect(span.seq).toBeNull();
    expect(span.prev).toBeNull();
  });

  it('rejects bad flag values with a usage error and no stack trace', () => {
    for (const args of [['log', 'x', '--status', 'bogus'], ['log', 'x', '--data', '{nope'], ['log', 'x', '--data', '[1]'],
      ['log', 'x', '--delta', 'abc'], ['log', 'x', '--caused-by', 'abc'], ['timeline', '--limit', '0'], ['timeline', '--since', 'yesterdayish'],
      ['frobnicate'], ['log']]) {
      const r = h.run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('rejects a multi-line title with its span code', () => {
    const r = h.run(['log', 'two\nlines']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SPAN_BAD_TITLE');
  });

  it('shows a span by unique prefix, and explains a missing one', () => {
    const id = h.run(['log', 'findme']).stdout.trim();
    const r = h.run(['span', 'show', id.slice(0, 10), '--json']);
    expect(JSON.parse(r.stdout).id).toBe(id);
    expect(h.run(['span', 'show', id.slice(0, 10)]).stdout).toContain('findme');
    const missing = h.run(['span', 'show', 'ffff0000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('SPAN_NOT_FOUND');
    expect(h.run(['span', 'show', 'xyz']).code).toBe(2);
  });

  it('pages the timeline newest first with a cursor, and filters', () => {
    for (let i = 0; i < 5; i++) h.run(['log', `page ${i}`, '--tag', 'paging', '--workflow', 'pw']);
    const first = JSON.parse(h.run(['timeline', '--tag', 'paging', '--limit', '3', '--json']).stdout);
    expect(first.spans.map((s: { title: string }) => s.title)).toEqual(['page 4', 'page 3', 'page 2']);
    const second = JSON.parse(h.run(['timeline', '--tag', 'paging', '--limit', '3', '--cursor', first.next, '--json']).stdout);
    expect(second.spans.map((s: { title: string }) => s.title)).toEqual(['page 1', 'page 0']);
    expect(second.next).toBeNull();
    const nd = h.run(['timeline', '--workflow', 'pw', '--ndjson']).stdout.trim().split('\n');
    expect(nd).toHaveLength(5);
    expect(JSON.parse(nd[0]).title).toBe('page 4');
    expect(JSON.parse(h.run(['timeline', '--status', 'simulated', '--json']).stdout).spans.every((s: { status: string }) => s.status === 'simulated')).toBe(true);
    expect(JSON.parse(h.run(['timeline', '--since', '1h', '--tenant', 'other', '--json']).stdout).spans).toEqual([]);
  });

  it('searches titles and data with FTS', () => {
    h.run(['log', 'Recibo 0001', '--data', '{"customer":"Rafaela Souza"}']);
    const byTitle = JSON.parse(h.run(['search', 'recibo', '--json']).stdout);
    expect(byTitle.spans.map((s: { title: string }) => s.title)).toEqual(['Recibo 0001']);
    const byData = JSON.parse(h.run(['search', 'rafaela', '--json']).stdout);
    expect(byData.spans).toHaveLength(1);
    expect(JSON.parse(h.run(['search', 'no-such-word-here', '--json']).stdout).spans).toEqual([]);
    expect(h.run(['search', 'quote"and(paren']).code).toBe(0);
  });
});

describe('run', () => {
  let h: Home;
  beforeAll(() => { h = initHome(); });
  afterAll(() => h.cleanup());

  it('passes stdio through, records duration and exit code, and exits with it', () => {
    const r = h.run(['run', '--tag', 'job', '--', 'sh', '-c', 'echo out; echo err >&2; sleep 0.2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    const [span] = JSON.parse(h.run(['timeline', '--tag', 'job', '--json']).stdout).spans;
    expect(span.title).toBe("sh -c echo out; echo err >&2; sleep 0.2; exit 3");
    expect(span.data).toMatchObject({ command: ['sh', '-c', 'echo out; echo err >&2; sleep 0.2; exit 3'], exit_code: 3, signal: null });
    expect(span.delta_s).toBeGreaterThanOrEqual(0.2);
  });

  it('records a signal and a missing command', () => {
    const killed = h.run(['run', '--title', 'killed', '--json', '--', 'sh', '-c', 'kill -TERM $$']);
    expect(killed.code).toBe(143);
    expect(JSON.parse(killed.stdout).data).toMatchObject({ exit_code: null, signal: 'SIGTERM' });
    const missing = h.run(['run', '--json', '--', 'no-such-command-xyz']);
    expect(missing.code).toBe(127);
    expect(JSON.parse(missing.stdout).data.exit_code).toBe(127);
  });
});

describe('verify, export and import', () => {
  let a: Home;
  let b: Home;
  let file: string;
  let cleanFile: () => void;
  beforeAll(() => {
    a = initHome('alice', 'acme');
    b = initHome('bob', 'bob-home'); // acme comes from the import: a home that founded its own acme would refuse it
    for (let i = 0; i < 20; i++) a.run(['log', `span ${i}`, '--data', `{"i":${i}}`]);
    a.run(['log', 'hidden', '--visibility', 'private']);
    const t = tempDir();
    cleanFile = t.cleanup;
    file = join(t.dir, 'a.ndjson');
    expect(a.run(['export', '--all-tenants', '-o', file]).code).toBe(0);
  });
  afterAll(() => { a.cleanup(); b.cleanup(); cleanFile(); });

  it('exports one canonical signed span per line, oldest first, and verifies', () => {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(22);
    expect(JSON.parse(lines[0]).title).toBe('tenant.created');
    expect(a.run(['export']).stdout.trim().split('\n')).toEqual(lines);
    const v = a.run(['verify', '--all', '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ checked: 22, ok: true, forks: 0 });
  });

  it('imports into another home, idempotently, and the timelines match', () => {
    const r = b.run(['import', file, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ lines: 22, stored: 22, duplicates: 0, rejected: [] });
    const again = JSON.parse(b.run(['import', file, '--json']).stdout);
    expect(again).toMatchObject({ stored: 0, duplicates: 22 });
    const alice = a.run(['id', 'show', '--json']);
    const author = JSON.parse(alice.stdout).did;
    expect(b.run(['--tenant', 'acme', 'timeline', '--author', author, '--ndjson', '--limit', '100']).stdout).toBe(a.run(['timeline', '--author', author, '--ndjson', '--limit', '100']).stdout);
    expect(b.run(['verify', '--all']).code).toBe(0);
  });

  it('imports a file in any order, and reports bad lines by number with their code', () => {
    const c = initHome('carol', 'carol-home');
    try {
      const lines = readFileSync(file, 'utf8').trim().split('\n').reverse();
      const bad = JSON.parse(lines[3]);
      bad.title = 'tampered';
      lines[3] = JSON.stringify(bad);
      lines.splice(5, 0, '{not json');
      const shuffled = join(c.home, 'shuffled.ndjson');
      writeFileSync(shuffled, `${lines.join('\n')}\n`);
      const r = c.run(['import', shuffled, '--json']);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      const byLine = new Map(report.rejected.map((x: { line: number; code: string }) => [x.line, x.code]));
      expect(byLine.get(4)).toBe('SPAN_BAD_ID');
      expect(byLine.get(6)).toBe('BAD_JSON');
      // the tampered span breaks its chain: the two spans after it (lines 2 and 3) cannot link and are reported
      expect(byLine.get(2)).toBe('CHAIN_GAP');
      expect(byLine.get(3)).toBe('CHAIN_GAP');
      expect(report.rejected).toHaveLength(4);
      expect(report.stored).toBe(19);
      expect(c.run(['verify', '--all']).code).toBe(0);
    } finally { c.cleanup(); }
  });

  it('finds a tampered row and exits 1', () => {
    const c = initHome('dave', 'acme');
    try {
      c.run(['log', 'honest']);
      const db = new Database(join(c.home, 'data', 'logline.db'));
      db.exec('DROP TRIGGER spans_no_update');
      db.prepare("UPDATE spans SET body = replace(body, 'honest', 'forged')").run();
      db.close();
      const r = c.run(['verify', '--all', '--json']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code)).toContain('SPAN_BAD_ID');
    } finally { c.cleanup(); }
  });

  it('gives a clear error for a missing import file', () => {
    const r = b.run(['import', '/no/such/file.ndjson']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IMPORT_FAILED');
  });
});

describe('several processes writing at once', () => {
  let h: Home;
  beforeAll(() => { h = initHome('dan', 'load'); });
  afterAll(() => h.cleanup());

  it('4 processes × 50 logs give seq 1..200 (after the genesis) and a chain that verifies', async () => {
    const { cliAsync } = await import('../testing/cli.js');
    const writer = async (w: number) => {
      for (let i = 0; i < 50; i++) {
        const r = await cliAsync(['--home', h.home, '--tenant', 'load', 'log', `w${w} ${i}`]);
        if (r.code !== 0) throw new Error(r.stderr);
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    const lines = h.run(['export', '--tenant', 'load']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(201); // tenant.created is seq 1
    expect(lines.map((s: { seq: number }) => s.seq).sort((x: number, y: number) => x - y)).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    expect(h.run(['verify', '--tenant', 'load']).code).toBe(0);
  }, 240_000);
});

describe('version', () => {
  it('prints versions', () => {
    const r = cli(['version', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: expect.any(String), api: 1, spanFormat: 1 });
    expect(cli(['--version']).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliAsync, initHome, tempDir, type CliResult } from '../testing/cli.js';
import { ENTRY, sha256, type BackupManifest } from './archive.js';
import { copyEntry, readEntry, readTar, TarWriter } from './tar.js';

type Home = ReturnType<typeof initHome>;
const LOCAL = { LOGLINE_DAEMON: 'false' };
const PASS = { LOGLINE_PASSPHRASE: 'correct horse battery staple' };

const errorOf = (r: CliResult) => (JSON.parse(r.stdout) as { error: { code: string; message: string; hint?: string } }).error;

/** Everything restore could touch in a home: the files of data/ and config/ with their sha256. */
function state(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dir of ['data', 'config', 'config/keys']) {
    const path = join(home, dir);
    if (!existsSync(path)) continue;
    for (const f of readdirSync(path)) {
      const file = join(path, f);
      if (statSync(file).isFile()) out[`${dir}/${f}`] = createHash('sha256').update(readFileSync(file)).digest('hex');
    }
  }
  return out;
}

function manifestOf(file: string): BackupManifest {
  const fd = openSync(file, 'r');
  try {
    return JSON.parse(readEntry(fd, readTar(fd)[0]).toString('utf8')) as BackupManifest;
  } finally {
    closeSync(fd);
  }
}

/** Rewrites a backup with its database changed by `edit`, and a manifest that matches the changed file. */
function forge(src: string, out: string, edit: (dbFile: string) => void, dir: string): void {
  const fd = openSync(src, 'r');
  const entries = readTar(fd);
  const manifest = JSON.parse(readEntry(fd, entries[0]).toString('utf8')) as BackupManifest;
  const dbFile = join(dir, `forge-${Date.now()}.db`);
  const w = openSync(dbFile, 'w');
  copyEntry(fd, entries.find((e) => e.name === ENTRY.db)!, (chunk) => writeSync(w, chunk));
  closeSync(w);
  closeSync(fd);
  edit(dbFile);
  const bytes = readFileSync(dbFile);
  manifest.db = { ...manifest.db, bytes: bytes.length, sha256: sha256(bytes) };
  manifest.config = null;
  const tar = new TarWriter(out);
  tar.add(ENTRY.manifest, Buffer.from(JSON.stringify(manifest)));
  tar.addFile(ENTRY.db, dbFile);
  tar.close();
}

describe('backup and restore', () => {
  let a: Home;
  let tmp: { dir: string; cleanup: () => void };
  let full: string;
  let withKeys: string;

  beforeAll(() => {
    tmp = tempDir();
    a = initHome('dan', 'acme');
    for (let i = 0; i < 5; i++) a.run(['log', `acme ${i}`, '--tag', 'x'], { env: LOCAL });
    a.run(['tenant', 'create', 'beta'], { env: LOCAL });
    for (let i = 0; i < 3; i++) a.run(['--tenant', 'beta', 'log', `beta ${i}`], { env: LOCAL });
    full = join(tmp.dir, 'full.tar');
    withKeys = join(tmp.dir, 'keys.tar');
    expect(a.run(['backup', full]).code).toBe(0);
    expect(a.run(['backup', '--keys', withKeys], { env: PASS }).code).toBe(0);
  });
  afterAll(() => { a?.cleanup(); tmp?.cleanup(); });

  it('writes one tar with a manifest: version, schema, counts per tenant, sha256 of the database', () => {
    const listed = spawnSync('tar', ['tf', full], { encoding: 'utf8' });
    expect(listed.stdout.trim().split('\n')).toEqual(['manifest.json', 'logline.db', 'config.toml']);
    const m = manifestOf(full);
    const counts = JSON.parse(a.run(['verify', '--all', '--json']).stdout) as { checked: number };
    expect(m).toMatchObject({ format: 'logline-backup', formatVersion: 1, spans: counts.checked, forks: 0, keys: null });
    expect(m.tenants).toEqual([{ tenant: 'acme', spans: 6 }, { tenant: 'beta', spans: 4 }] /* with its tenant.created */);
    const x = join(tmp.dir, 'x');
    mkdirSync(x);
    spawnSync('tar', ['xf', full, '-C', x]);
    expect(sha256(readFileSync(join(x, 'logline.db')))).toBe(m.db.sha256);
    const db = new Database(join(x, 'logline.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(m.schema.version);
    db.close();
  });

  it('refuses to overwrite a file unless --force', () => {
    const r = a.run(['backup', full, '--json']);
    expect(r.code).toBe(1);
    expect(errorOf(r).code).toBe('BACKUP_EXISTS');
    expect(a.run(['backup', full, '--force']).code).toBe(0);
  });

  it('seals the keys with the passphrase and says so; never without a passphrase on a non-terminal', () => {
    const m = manifestOf(withKeys);
    expect(m.keys).toMatchObject({ handles: ['dan'], encryption: expect.stringContaining('AES-256-GCM') });
    const seed = (JSON.parse(readFileSync(join(a.home, 'config', 'keys', 'dan.key'), 'utf8')) as { seed: string }).seed;
    expect(readFileSync(withKeys).includes(Buffer.from(seed))).toBe(false);
    const r = a.run(['backup', '--keys', join(tmp.dir, 'nopass.tar'), '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r).code).toBe('PASSPHRASE_REQUIRED');
    expect(existsSync(join(tmp.dir, 'nopass.tar'))).toBe(false);
  });

  it('restores after verifying, keeps the previous database aside and prints the counts before and after', () => {
    const b = initHome('dan', 'acme');
    try {
      for (let i = 0; i < 2; i++) b.run(['log', `b ${i}`], { env: LOCAL });
      const r = b.run(['restore', full, '--json']);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as { previous: string; changes: { tenant: string; before: number; after: number }[]; beforeState: string; backup: { spans: number } };
      expect(report.changes).toEqual([{ tenant: 'acme', before: 3, after: 6 }, { tenant: 'beta', before: 0, after: 4 }]);
      expect(report.beforeState).toBe('read');
      const kept = new Database(report.previous, { readonly: true });
      expect(kept.prepare('SELECT count(*) FROM spans').pluck().get()).toBe(3);
      kept.close();
      expect(b.run(['verify', '--all', '--json']).code).toBe(0);
      const titles = (JSON.parse(b.run(['timeline', '--all-tenants', '--json']).stdout) as { spans: { title: string }[] }).spans.map((s) => s.title);
      expect(titles).toContain('beta 2');
      expect(titles).not.toContain('b 0');
      const text = b.run(['restore', full]);
      expect(text.stdout).toMatch(/previous database is kept at .*logline\.db\.before-restore-/);
      expect(text.stdout).toMatch(/acme\s+6\s+6/);
    } finally {
      b.cleanup();
    }
  });

  it('brings a whole node back into an empty home with --keys: keys, config and spans', () => {
    const empty = join(tmp.dir, 'empty-home');
    const wrong = cli(['--home', empty, 'restore', '--keys', withKeys, '--json'], { env: { LOGLINE_PASSPHRASE: 'wrong' } });
    expect(wrong.code).toBe(1);
    expect(errorOf(wrong).code).toBe('BACKUP_BAD_PASSPHRASE');
    expect(existsSync(join(empty, 'data', 'logline.db'))).toBe(false);
    const r = cli(['--home', empty, 'restore', '--keys', withKeys, '--json'], { env: PASS });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ previous: null, beforeState: 'none', keys: { restored: ['dan'], present: [] }, config: 'restored' });
    expect(statSync(join(empty, 'config', 'keys', 'dan.key')).mode & 0o777).toBe(0o600);
    const ids = (home: string) => JSON.parse(cli(['--home', home, 'id', 'list', '--json']).stdout) as unknown;
    expect(ids(empty)).toEqual(ids(a.home));
    const logged = cli(['--home', empty, 'log', 'back again'], { env: LOCAL });
    expect(logged.code).toBe(0);
    expect(cli(['--home', empty, 'verify', '--json']).code).toBe(0);
  });

  it('refuses while a daemon runs on the home, and backs up while it writes', async () => {
    const c = initHome('dan', 'acme');
    try {
      expect(c.run(['node', 'start']).code).toBe(0);
      const writes = Array.from({ length: 6 }, (_, i) => cliAsync(['--home', c.home, 'log', `during ${i}`]));
      const out = join(tmp.dir, 'live.tar');
      const backedUp = await cliAsync(['--home', c.home, 'backup', out, '--json']);
      expect((await Promise.all(writes)).map((w) => w.code)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(backedUp.code).toBe(0);
      // the running daemon's own checkpoints change the database files' bytes: compare their names and the spans
      const held = () => ({ files: Object.keys(state(c.home)).sort(), tenants: c.run(['--json', 'tenant', 'list']).stdout });
      const before = held();
      const r = c.run(['restore', out, '--json']);
      expect(r.code).toBe(1);
      expect(errorOf(r)).toMatchObject({ code: 'DAEMON_RUNNING', hint: expect.stringContaining('node stop') });
      expect(held()).toEqual(before);
      c.run(['node', 'stop']);
      expect(c.run(['restore', out]).code).toBe(0);
    } finally {
      c.run(['node', 'stop']);
      c.cleanup();
    }
  });

  describe('bad input changes nothing', () => {
    let d: Home;
    let before: Record<string, string>;
    beforeAll(() => {
      d = initHome('dan', 'acme');
      d.run(['log', 'keep me'], { env: LOCAL });
      before = state(d.home);
    });
    afterAll(() => d?.cleanup());

    const refused = (file: string, code: string, message: RegExp) => {
      const r = d.run(['restore', file, '--json']);
      expect(r.code).toBe(1);
      expect(errorOf(r)).toMatchObject({ code, message: expect.stringMatching(message), hint: expect.any(String) });
      expect(state(d.home)).toEqual(before);
      expect(readdirSync(join(d.home, 'data')).filter((f) => f.startsWith('.restore'))).toEqual([]);
    };

    it('a truncated backup', () => {
      const cut = join(tmp.dir, 'cut.tar');
      writeFileSync(cut, readFileSync(full).subarray(0, Math.floor(statSync(full).size / 2)));
      refused(cut, 'BACKUP_TRUNCATED', /cut short/);
      const endless = join(tmp.dir, 'endless.tar');
      writeFileSync(endless, readFileSync(full));
      truncateSync(endless, statSync(full).size - 1024); // only the end-of-archive blocks are missing
      refused(endless, 'BACKUP_TRUNCATED', /end marker/);
    });

    it('a backup with damaged bytes', () => {
      const bad = join(tmp.dir, 'bad.tar');
      const bytes = readFileSync(full);
      const at = 512 * 4 + 4096 * 2 + 100; // inside the database entry (after the manifest's header and data)
      bytes[at] ^= 0xff;
      writeFileSync(bad, bytes);
      refused(bad, 'BACKUP_CORRUPT', /sha256/);
      const header = readFileSync(full);
      header[20] ^= 0x01; // the manifest's tar header
      writeFileSync(bad, header);
      refused(bad, 'BACKUP_CORRUPT', /checksum/);
    });

    it('foreign files: text, a bare SQLite database, another tar', () => {
      const text = join(tmp.dir, 'notes.txt');
      writeFileSync(text, 'just some notes\n'.repeat(100));
      refused(text, 'BACKUP_FOREIGN', /not a tar archive/);
      refused(join(d.home, 'data', 'logline.db'), 'BACKUP_FOREIGN', /not a logline backup/);
      const other = join(tmp.dir, 'other.tar');
      spawnSync('tar', ['cf', other, '-C', tmp.dir, 'notes.txt']);
      refused(other, 'BACKUP_FOREIGN', /first entry is notes\.txt/);
      const r = d.run(['restore', join(tmp.dir, 'missing.tar'), '--json']);
      expect(errorOf(r).code).toBe('BACKUP_NOT_FOUND');
    });

    it('a well-formed backup whose spans were altered (signatures and chains are checked)', () => {
      const forged = join(tmp.dir, 'forged.tar');
      forge(full, forged, (file) => {
        const db = new Database(file);
        db.exec('DROP TRIGGER spans_no_update');
        db.prepare("UPDATE spans SET body = replace(body, 'acme 3', 'acme 9') WHERE title = 'acme 3'").run();
        db.close();
      }, tmp.dir);
      refused(forged, 'BACKUP_VERIFY_FAILED', /fail verification/);
    });

    it('a well-formed backup whose database fails the integrity check', () => {
      const broken = join(tmp.dir, 'broken.tar');
      forge(full, broken, (file) => {
        const db = new Database(file);
        const page = db.pragma('page_size', { simple: true }) as number;
        const root = db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'spans_by_tenant_ts'").pluck().get() as number;
        db.close();
        chmodSync(file, 0o600);
        const fd = openSync(file, 'r+');
        writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, (root - 1) * page + 8); // scribble over an index page's cells
        closeSync(fd);
      }, tmp.dir);
      refused(broken, 'BACKUP_CORRUPT', /integrity check|cannot read/);
    });
  });
});

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Home } from '../node/home.js';
import { BIN, cliEnv, initHome } from '../testing/cli.js';
import { Progress, duration, renderProgress } from './progress.js';

describe('renderProgress', () => {
  it('shows a bar, percent, count, rate and ETA when the total is known', () => {
    expect(renderProgress({ label: 'verify', done: 2500, total: 10_000, unit: 'spans', elapsedMs: 500 }))
      .toBe('verify  █████░░░░░░░░░░░░░░░   25%  2,500/10,000 spans  5,000/s  eta 2s');
  });

  it('shows count, rate and elapsed time without a total', () => {
    expect(renderProgress({ label: 'export', done: 3000, unit: 'spans', elapsedMs: 1500 })).toBe('export  3,000 spans  2,000/s  2s');
  });

  it('takes the share done from a fraction in another unit (bytes of a file of lines)', () => {
    expect(renderProgress({ label: 'import', done: 1000, fraction: 0.5, unit: 'lines', elapsedMs: 10_000 }))
      .toBe('import  ██████████░░░░░░░░░░   50%  1,000 lines  100/s  eta 10s');
  });

  it('draws a newly known total and the last step at once, other updates at most every 100 ms', () => {
    let t = 0;
    const writes: string[] = [];
    const stream = { isTTY: true, columns: 120, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const bar = new Progress({ label: 'verify', stream, now: () => t });
    t = 250;
    bar.add(0); // a ticker's frame, no total yet
    t = 260;
    bar.update(500, { total: 1000 });
    t = 270;
    bar.update(600, { total: 1000 }); // within 100 ms of the last frame, same total: skipped
    t = 280;
    bar.update(1000, { total: 1000 });
    expect(writes.map((w) => w.replace('\r\x1b[2K', '').split('  ').slice(0, 4).join('  '))).toEqual([
      'verify  0 spans  0/s  1s',
      'verify  ██████████░░░░░░░░░░   50%  500/1,000 spans',
      'verify  ████████████████████  100%  1,000/1,000 spans',
    ]);
  });

  it('writes durations as people read them', () => {
    expect([duration(0.2), duration(59), duration(125), duration(3 * 3600 + 5 * 60)]).toEqual(['1s', '59s', '2m05s', '3h05m']);
  });
});

/** Runs the CLI with stdin, stdout and stderr on a pseudo-terminal (util-linux `script`); returns what it drew. */
function onTerminal(args: string[]): { code: number; screen: string } {
  const command = [process.execPath, BIN, ...args].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { env: cliEnv({ COLUMNS: '120' }), encoding: 'utf8', input: '' });
  return { code: r.status ?? -1, screen: r.stdout };
}

const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

describe.skipIf(!hasScript)('progress bars on a terminal\'s stderr, not when piped or quiet', () => {
  let src: ReturnType<typeof initHome>;
  let dst: ReturnType<typeof initHome>;
  let file: string;
  /** Spans in the source home (the tenant's genesis and those appended here), as written in the export. */
  let n: number;
  beforeAll(async () => {
    src = initHome('dan', 'acme');
    dst = initHome('eve', 'eve-home'); // acme comes from the import (a home that founded its own acme would refuse it)
    const home = new Home({ home: src.home });
    await home.timeline.appendAsync(Array.from({ length: 2500 }, (_, i) => ({ tenant: 'acme', title: `span ${i}` })), home.signer());
    await home.close();
    file = join(src.home, 'spans.ndjson');
    expect(src.run(['export', '-o', file]).code).toBe(0);
    n = readFileSync(file, 'utf8').trim().split('\n').length;
    expect(n).toBeGreaterThan(2500);
  });
  afterAll(() => {
    src.cleanup();
    dst.cleanup();
  });

  it('import draws lines, percent of the file, rate and ETA, then clears the bar for its result', () => {
    const r = onTerminal(['--home', dst.home, 'import', file]);
    expect(r.code).toBe(0);
    expect(r.screen).toMatch(/\r\x1b\[2Kimport {2}[█░]{20} +\d+% {2}[\d,]+ lines {2}[\d,]+\/s/);
    expect(r.screen).toContain(`\r\x1b[2K${n} lines: ${n} stored`);
  });

  it('export and verify count against the known total', () => {
    const exp = onTerminal(['--home', src.home, 'export', '-o', join(src.home, 'again.ndjson')]);
    expect(exp.screen).toMatch(new RegExp(`export {2}[█░]{20} +\\d+% {2}[\\d,]+/${n.toLocaleString('en-US')} spans`));
    const ver = onTerminal(['--home', src.home, 'verify']);
    expect(ver.code).toBe(0);
    expect(ver.screen).toMatch(new RegExp(`verify {2}[█░]{20} +\\d+% {2}[\\d,]+/${n.toLocaleString('en-US')} spans`));
    expect(ver.screen).toContain(`ok: ${n} spans checked`);
  });

  it('sync counts the spans received through the daemon\'s event stream; nothing piped or with --quiet', () => {
    expect(src.run(['node', 'start', '--listen', '/ip4/127.0.0.1/tcp/0']).code).toBe(0);
    try {
      const r = onTerminal(['--home', src.home, 'sync']);
      expect(r.code).toBe(0);
      expect(r.screen).toMatch(/sync {2}0 spans received {2}0\/s/);
      const piped = src.run(['sync']);
      expect(piped.code, piped.stderr).toBe(0);
      expect(piped.stderr).not.toMatch(/\r|\x1b|sync {2}/);
      expect(onTerminal(['--home', src.home, '-q', 'sync']).screen).not.toContain('sync  ');
    } finally {
      src.run(['node', 'stop']);
    }
  });

  it('draws nothing with --quiet, and nothing when stderr is piped (verify, export, import)', () => {
    const quiet = onTerminal(['--home', src.home, '--quiet', 'verify']);
    expect(quiet.screen).not.toContain('verify  ');
    expect(quiet.screen).toContain(`ok: ${n} spans checked`);
    const piped = src.run(['verify']);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).not.toContain('\x1b');
    for (const r of [onTerminal(['--home', src.home, '-q', 'export', '-o', join(src.home, 'quiet.ndjson')]), onTerminal(['--home', dst.home, '-q', 'import', file])]) {
      expect(r.code).toBe(0);
      expect(r.screen).not.toMatch(/(export|import) {2}/);
    }
    for (const r of [src.run(['export', '-o', join(src.home, 'piped.ndjson')]), dst.run(['import', file])]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/\r|\x1b|(export|import|sync) {2}/);
    }
  });
});

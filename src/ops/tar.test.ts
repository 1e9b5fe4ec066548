import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/cli.js';
import { readEntry, readTar, TarWriter } from './tar.js';

describe('tar', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => { while (cleanups.length) cleanups.pop()!(); });
  const dir = () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    return t.dir;
  };

  it('writes archives that tar reads, and reads archives that tar writes', () => {
    const d = dir();
    const file = join(d, 'a.tar');
    const big = Buffer.alloc(70_000, 7);
    writeFileSync(join(d, 'big.bin'), big);
    const w = new TarWriter(file);
    w.add('empty.txt', Buffer.alloc(0));
    w.add('odd.txt', Buffer.from('x'.repeat(513)));
    w.addFile('big.bin', join(d, 'big.bin'));
    w.close();
    expect(spawnSync('tar', ['tf', file], { encoding: 'utf8' }).stdout.trim().split('\n')).toEqual(['empty.txt', 'odd.txt', 'big.bin']);
    const fd = openSync(file, 'r');
    const entries = readTar(fd);
    expect(entries.map((e) => [e.name, e.size])).toEqual([['empty.txt', 0], ['odd.txt', 513], ['big.bin', 70_000]]);
    expect(readEntry(fd, entries[2]).equals(big)).toBe(true);
    closeSync(fd);
    const theirs = join(d, 'theirs.tar');
    spawnSync('tar', ['cf', theirs, '-C', d, 'big.bin']);
    const fd2 = openSync(theirs, 'r');
    expect(readTar(fd2).map((e) => [e.name, e.size])).toEqual([['big.bin', 70_000]]);
    closeSync(fd2);
  });

  it('reads the base-256 size of entries past 8 GiB', () => {
    const d = dir();
    const file = join(d, 'huge.tar');
    const w = new TarWriter(file);
    w.add('x', Buffer.from('y'));
    w.close();
    const bytes = readFileSync(file);
    bytes.fill(0, 124, 136);
    bytes[124] = 0x80;
    bytes.writeBigUInt64BE(9n * 2n ** 30n, 128);
    bytes.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += bytes[i];
    bytes.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
    const fd = openSync(file, 'w');
    writeSync(fd, bytes);
    closeSync(fd);
    const r = openSync(file, 'r');
    expect(() => readTar(r)).toThrow(expect.objectContaining({ kind: 'truncated', message: expect.stringContaining(`hold ${9 * 2 ** 30} bytes`) }));
    closeSync(r);
  });
});

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/cli.js';
import { Keystore } from './keystore.js';

describe('keystore list', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  const dir = join(t.dir, 'keys');

  it('sees identities created or removed by another keystore on the same folder (another process)', () => {
    const mine = new Keystore(dir);
    const other = new Keystore(dir);
    expect(mine.list()).toEqual([]);
    mine.create('ada');
    expect(mine.list().map((i) => i.handle)).toEqual(['ada']);
    other.create('bob', { node: true });
    expect(mine.list().map((i) => [i.handle, i.node])).toEqual([['ada', false], ['bob', true]]);
    rmSync(join(dir, 'ada.key'));
    expect(mine.list().map((i) => i.handle)).toEqual(['bob']);
  });

  it('hands out a copy: a caller that changes it changes nothing for the next', () => {
    const keys = new Keystore(dir);
    keys.list().length = 0;
    expect(keys.list()).toHaveLength(1);
  });
});

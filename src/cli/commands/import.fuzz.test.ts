/**
 * Fuzzing the NDJSON importer (the `logline import` path, importLines) on a real in-process node: files of
 * sample spans in any order mixed with mutated lines, random bytes, blank lines and CRLF. Every file is read
 * to its end and every line accounted for; only samples are stored, and the store verifies.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localClient } from '../../client/local.js';
import { inlineCrypto } from '../../identity/crypto-pool.js';
import { Home } from '../../node/home.js';
import { tempDir } from '../../testing/cli.js';
import { fuzzInput, Prng } from '../../testing/fuzz.js';
import { sampleSpans } from '../../testing/span-samples.js';
import { verifyStored } from '../../timeline/verify.js';
import { importLines } from './import.js';

const FILES = Number(process.env.FUZZ_FILES ?? 12);
const SEED = Number(process.env.FUZZ_SEED ?? 1);

describe('NDJSON import under fuzzing', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const samples = sampleSpans();
  const ids = new Set(samples.map((s) => s.id));

  it(`reads every line, stores only valid spans, ${FILES} files (seed ${SEED})`, async () => {
    const rng = new Prng(SEED);
    for (let f = 0; f < FILES; f++) {
      const home = new Home({ home: join(tmp.dir, `h${f}`), env: {}, crypto: inlineCrypto });
      try {
        const lines: string[] = [];
        for (let i = 0; i < 150; i++) {
          const r = rng.float();
          if (r < 0.3) lines.push(JSON.stringify(rng.pick(samples)));
          else if (r < 0.85) {
            const { value, text } = fuzzInput(samples, SEED * 1000 + f, i);
            lines.push((text ?? JSON.stringify(value) ?? '').replace(/[\r\n]/g, ' '));
          } else if (r < 0.92) lines.push('');
          else lines.push(Buffer.from(rng.bytes(rng.int(40))).toString('latin1').replace(/[\r\n]/g, ' '));
        }
        const file = join(tmp.dir, `f${f}.ndjson`);
        const eol = rng.chance(0.5) ? '\n' : '\r\n';
        writeFileSync(file, lines.map((l) => `${l}${eol}`).join(''));
        const report = await importLines(localClient(home), file, () => {});
        const blank = lines.filter((l) => l.trim() === '').length;
        expect(report.lines).toBe(lines.length);
        expect(report.stored + report.duplicates + report.forks + report.rejected.length, `file ${f}`).toBe(lines.length - blank);
        const stored = (home.db.prepare('SELECT id FROM spans').pluck().all() as Buffer[]).map((b) => b.toString('hex'));
        for (const id of stored) expect(ids.has(id), `file ${f}: stored ${id}, no sample`).toBe(true);
        expect(stored.length).toBe(report.stored);
        const verified = await verifyStored(home.repo);
        expect(verified.findings.filter((x) => x.code !== 'CHAIN_FORK')).toEqual([]);
      } finally {
        await home.close();
      }
    }
  });
});

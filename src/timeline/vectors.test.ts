import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signerFromSeed } from '../identity/ed25519.js';
import { bodyOf, canonicalJson, spanIdBytes } from './canonical.js';
import type { Span } from './span.js';
import { verifySpan } from './validate.js';

interface VectorFile {
  seed: string;
  author: string;
  public_key: string;
  vectors: { canonical: string; span: Span }[];
}

const file = JSON.parse(readFileSync(new URL('../../docs/spec/vectors/spans-v1.json', import.meta.url), 'utf8')) as VectorFile;

describe('span format v1 known-answer vectors (made by another implementation)', () => {
  const signer = signerFromSeed(Buffer.from(file.seed, 'hex'));

  it('derives the same public key and did:key from the seed', () => {
    expect(Buffer.from(signer.publicKey).toString('hex')).toBe(file.public_key);
    expect(signer.did).toBe(file.author);
  });

  for (const [i, v] of file.vectors.entries()) {
    it(`vector ${i}: canonical body, id and sig (${v.span.title})`, () => {
      const canonical = canonicalJson(bodyOf(v.span));
      expect(canonical).toBe(v.canonical);
      const id = spanIdBytes(canonical);
      expect(id.toString('hex')).toBe(v.span.id);
      expect(signer.sign(id).toString('hex')).toBe(v.span.sig);
      expect(verifySpan(v.span).span.id).toBe(v.span.id);
    });
  }
});

/**
 * Test fixtures of the portable verifier, shared by the Node test and the headless-Chromium test: the committed
 * vector file, spans made by the CLI (`logline export`), and tampered copies, each with the outcome it must get.
 */
import { readFileSync } from 'node:fs';
import { signerFromSeed } from '../identity/ed25519.js';
import { bodyOf, canonicalJson, spanIdBytes } from '../timeline/canonical.js';
import type { Span } from '../timeline/span.js';
import { initHome } from './cli.js';

export interface VectorFile {
  seed: string;
  author: string;
  vectors: { canonical: string; span: Span }[];
}

export const VECTORS = JSON.parse(readFileSync(new URL('../../docs/spec/vectors/spans-v1.json', import.meta.url), 'utf8')) as VectorFile;

/** A case: one span alone (`code` null = valid), or a set for `verifyChain` (`codes`: the codes it must report). */
export type Case =
  | { name: string; kind: 'span'; span: unknown; code: string | null }
  | { name: string; kind: 'chain'; spans: unknown[]; complete: boolean; codes: string[] };

/** Signs a body with the vector seed, as a node would (node:crypto): a valid span of the vector author. */
export function signWithVectorKey(body: Record<string, unknown>): Span {
  const signer = signerFromSeed(Buffer.from(VECTORS.seed, 'hex'));
  const id = spanIdBytes(canonicalJson(body));
  return { ...body, id: id.toString('hex'), sig: signer.sign(id).toString('hex') } as Span;
}

/** Spans made by the real CLI in a temp home: a chain with unicode, data, tags, caused_by and a private span. */
export function cliExport(): Span[] {
  const h = initHome('ana', 'acme');
  try {
    const first = h.run(['log', 'Deployed api v2.3', '--tag', 'deploy', '--tag', 'prod', '--data', '{"sha":"ab12","n":1e21,"x":0.1}']).stdout.trim();
    h.run(['log', 'Recibo 0001 — € 54,00 para Rafa', '--caused-by', first, '--data', '{"ключ":"значение","emoji":"🎉"}']);
    h.run(['log', 'private note', '--visibility', 'private']);
    h.run(['log', 'third', '--status', 'simulated', '--delta', '1.5']);
    const r = h.run(['export']);
    if (r.code !== 0) throw new Error(`export failed: ${r.stderr}`);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Span);
  } finally {
    h.cleanup();
  }
}

/** Every case, built from the vectors and a CLI export. */
export function verifierCases(exported: Span[]): Case[] {
  const vectors = VECTORS.vectors.map((v) => v.span);
  const chain = vectors.filter((s) => s.seq !== null);
  const cases: Case[] = [];
  vectors.forEach((s, i) => cases.push({ name: `vector ${i}`, kind: 'span', span: s, code: null }));
  exported.forEach((s, i) => cases.push({ name: `cli span ${i}`, kind: 'span', span: s, code: null }));
  cases.push({ name: 'vector chain', kind: 'chain', spans: vectors, complete: true, codes: [] });
  cases.push({ name: 'cli chain', kind: 'chain', spans: exported, complete: true, codes: [] });
  cases.push({ name: 'cli chain out of order', kind: 'chain', spans: [...exported].reverse(), complete: true, codes: [] });

  const s = exported.find((x) => x.caused_by !== undefined)!;
  cases.push({ name: 'tampered title', kind: 'span', span: { ...s, title: `${s.title}!` }, code: 'SPAN_BAD_ID' });
  cases.push({ name: 'tampered data', kind: 'span', span: { ...s, data: { ...s.data, emoji: '💣' } }, code: 'SPAN_BAD_ID' });
  const rehashed = { ...s, title: 'forged' };
  rehashed.id = spanIdBytes(canonicalJson(bodyOf(rehashed))).toString('hex');
  cases.push({ name: 'tampered body with a recomputed id', kind: 'span', span: rehashed, code: 'SPAN_BAD_SIG' });
  cases.push({ name: 'signature of another span', kind: 'span', span: { ...s, sig: exported[0].sig }, code: 'SPAN_BAD_SIG' });
  cases.push({ name: 'author swapped', kind: 'span', span: { ...s, author: VECTORS.author }, code: 'SPAN_BAD_ID' });
  cases.push({ name: 'upper-case id', kind: 'span', span: { ...s, id: s.id.toUpperCase() }, code: 'SPAN_BAD_HEX' });
  cases.push({ name: 'not an object', kind: 'span', span: [s], code: 'SPAN_NOT_OBJECT' });

  cases.push({ name: 'chain with a missing middle span', kind: 'chain', spans: chain.filter((x) => x.seq !== 2), complete: true, codes: ['CHAIN_GAP'] });
  cases.push({ name: 'partial chain, allowed', kind: 'chain', spans: chain.slice(2), complete: false, codes: [] });
  cases.push({ name: 'partial chain, complete demanded', kind: 'chain', spans: chain.slice(2), complete: true, codes: ['CHAIN_GAP'] });
  const wrongPrev = signWithVectorKey({ ...bodyOf(chain[3]), prev: chain[1].id });
  cases.push({ name: 'signed span whose prev skips one', kind: 'chain', spans: [...chain.slice(0, 3), wrongPrev], complete: true, codes: ['CHAIN_BROKEN_PREV'] });
  const fork = signWithVectorKey({ ...bodyOf(chain[2]), title: 'the other seq 3' });
  cases.push({ name: 'fork at seq 3', kind: 'chain', spans: [...chain, fork], complete: true, codes: ['CHAIN_FORK'] });
  cases.push({ name: 'a tampered span inside a chain', kind: 'chain', spans: [chain[0], { ...chain[1], title: 'x' }, chain[2]], complete: true, codes: ['SPAN_BAD_ID', 'CHAIN_GAP'] });
  return cases;
}

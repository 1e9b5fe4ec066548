/**
 * The portable verifier (`logline/verify`), loaded through the package's own export map (the built browser
 * bundle), against the committed vectors, spans made by the CLI, and tampered copies. Run `npm run build` first.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliExport, VECTORS, verifierCases, type Case } from '../testing/verify-fixtures.js';

type VerifyModule = typeof import('./index.js');
const verify = (await import('logline/verify' as string)) as VerifyModule;
const BUNDLE = fileURLToPath(new URL('../../dist/browser/verify.js', import.meta.url));
const PKG = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { types: string; default: string }> };

/** Runs one case and returns the codes it produced (empty: valid). */
function runCase(v: VerifyModule, c: Case): string[] {
  if (c.kind === 'span') {
    const r = v.verifySpan(c.span);
    return r.ok ? [] : [r.code];
  }
  return v.verifyChain(c.spans, { complete: c.complete }).findings.map((f) => f.code);
}

describe('logline/verify (portable verifier)', () => {
  const exported = cliExport();

  it('is exported as ./verify: types from tsc, code from the self-contained browser bundle', () => {
    expect(PKG.exports['./verify']).toEqual({ types: './dist/verify/index.d.ts', default: './dist/browser/verify.js' });
    const bundle = readFileSync(BUNDLE, 'utf8');
    // no Node built-in, no CommonJS require, no Node globals: it runs as is in a browser
    expect(bundle).not.toMatch(/\bnode:|\brequire\(|\bprocess\.|\bBuffer\b/);
    expect(bundle).not.toMatch(/^import /m);
  });

  it('recomputes the id of every vector and of every span the CLI exported', () => {
    for (const v of VECTORS.vectors) expect(verify.spanId(v.span)).toBe(v.span.id);
    for (const s of exported) expect(verify.spanId(s)).toBe(s.id);
    expect(verify.canonicalJson(VECTORS.vectors[2].span.data)).toBe(JSON.stringify(JSON.parse(VECTORS.vectors[2].canonical).data));
  });

  it('the CLI export holds a chain, unicode, caused_by and a private span', () => {
    // seq 1 is the tenant.created span that `init` signs
    expect(exported.map((s) => s.seq)).toEqual([1, 2, 3, null, 4]);
    expect(exported[2].caused_by).toBe(exported[1].id);
    const report = verify.verifyChain(exported, { complete: true });
    expect(report).toEqual({ ok: true, checked: 5, chains: 1, findings: [] });
  });

  for (const c of verifierCases(exported)) {
    it(`${c.name}: ${c.kind === 'span' ? c.code ?? 'valid' : c.codes.join(', ') || 'valid'}`, () => {
      expect(runCase(verify, c)).toEqual(c.kind === 'span' ? (c.code === null ? [] : [c.code]) : c.codes);
    });
  }

  it('reports where each finding is and which span it is about', () => {
    const chain = VECTORS.vectors.map((v) => v.span).filter((s) => s.seq !== null);
    const tampered = { ...chain[1], title: 'x' };
    const report = verify.verifyChain([chain[0], tampered, chain[2]], { complete: true });
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => [f.index, f.code, f.id])).toEqual([[1, 'SPAN_BAD_ID', chain[1].id], [2, 'CHAIN_GAP', chain[2].id]]);
  });
});

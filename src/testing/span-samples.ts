/** Valid signed spans of every shape, from a fixed seed: samples for fuzzing. Test harness only. */
import { signerFromSeed } from '../identity/ed25519.js';
import { canonicalJson, spanIdBytes } from '../timeline/canonical.js';
import type { Span, SpanBody } from '../timeline/span.js';

export function sampleSpans(): Span[] {
  const signer = signerFromSeed(new Uint8Array(32).fill(7));
  const sign = (body: Omit<SpanBody, 'v' | 'author'>): Span => {
    const full = { v: 1 as const, author: signer.did, ...body };
    const id = spanIdBytes(canonicalJson(full));
    return { ...full, id: id.toString('hex'), sig: signer.sign(id).toString('hex') };
  };
  const base = { tenant: 'acme', ts: '2026-03-01T10:00:00.000Z', status: 'executed', kind: 'user', visibility: 'organization' } as const;
  const first = sign({ ...base, seq: 1, prev: null, title: 'Deployed api v2.3' });
  return [
    first,
    sign({ ...base, seq: 2, prev: first.id, title: 'Paid é✓ 😀', tags: ['deploy', 'prod'], data: { amount: 12.5, nested: { a: [1, 'two', null] } },
      metadata: { k: 'v' }, related: ['a', 'b'], caused_by: first.id, delta_s: 1.25, logline_id: 'logline-id://dan', contract_id: 'c1', workflow_id: 'w', flow_id: 'f' }),
    sign({ ...base, seq: 3, prev: 'a'.repeat(64), title: 'replay', replay_from: first.id, replay_count: 2, status: 'simulated', kind: 'system' }),
    sign({ ...base, seq: null, prev: null, title: 'private note', visibility: 'private', data: { n: 1e21, small: -1e-7 } }),
  ];
}

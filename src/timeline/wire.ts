import type { Span } from './span.js';

/**
 * The one text form of a signed span, used by export, the API and sync: the canonical body with `id` and `sig`
 * appended. Deterministic (two nodes holding a span print the same line) and cheap (no re-serialisation).
 */
export function wireText(body: string, id: string, sig: string): string {
  return `${body.slice(0, -1)},"id":"${id}","sig":"${sig}"}`;
}

export function wireSpan(body: string, id: string, sig: string): Span {
  return JSON.parse(wireText(body, id, sig)) as Span;
}

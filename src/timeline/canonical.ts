import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { SpanBody } from './span.js';

/** Domain separation: the namespace hashed in front of every span body. */
export const SPAN_ID_PREFIX = 'logline/span/v1\n';
const PREFIX_BYTES = Buffer.from(SPAN_ID_PREFIX, 'utf8');

/** RFC 8785 (JCS) text of any JSON value; throws on NaN, Infinity and lone surrogates. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

/** The span's body: a shallow copy without `id` and `sig`. */
export function bodyOf(span: SpanBody & { id?: unknown; sig?: unknown }): SpanBody {
  const { id: _id, sig: _sig, ...body } = span;
  return body;
}

/** `sha256("logline/span/v1\n" ‖ canonical bytes)` as 32 raw bytes. */
export function spanIdBytes(canonicalBody: string): Buffer {
  return createHash('sha256').update(PREFIX_BYTES).update(canonicalBody, 'utf8').digest();
}

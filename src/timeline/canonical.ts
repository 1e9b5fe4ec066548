import { createHash } from 'node:crypto';
import { SPAN_ID_PREFIX, type SpanBody } from './span.js';

export { canonicalJson } from './jcs.js';
export { SPAN_ID_PREFIX };
const PREFIX_BYTES = Buffer.from(SPAN_ID_PREFIX, 'utf8');

/** The span's body: a shallow copy without `id` and `sig`. */
export function bodyOf(span: SpanBody & { id?: unknown; sig?: unknown }): SpanBody {
  const { id: _id, sig: _sig, ...body } = span;
  return body;
}

/** `sha256("logline/span/v1\n" ‖ canonical bytes)` as 32 raw bytes. */
export function spanIdBytes(canonicalBody: string): Buffer {
  return createHash('sha256').update(PREFIX_BYTES).update(canonicalBody, 'utf8').digest();
}

import { LoglineError } from '../errors/errors.js';
import { publicKeyFromDid } from '../identity/did-key.js';
import { verifyByDid } from '../identity/ed25519.js';
import { bodyOf, canonicalJson, spanIdBytes } from './canonical.js';
import {
  KINDS, MAX_BODY_BYTES, MAX_TITLE_CHARS, OPTIONAL_FIELDS, REQUIRED_FIELDS, SIGNATURE_FIELDS, STATUSES, VISIBILITIES,
  type Span,
} from './span.js';

/** One code per validity rule of SPEC §2, each with the remedy a user sees. */
export const SPAN_ERRORS = {
  SPAN_NOT_OBJECT: 'a span is one JSON object',
  SPAN_UNKNOWN_FIELD: 'remove fields that are not part of span format v1',
  SPAN_MISSING_FIELD: 'v, author, tenant, seq, prev, ts, title, status, kind and visibility are always present',
  SPAN_NULL_FIELD: 'optional fields are omitted when absent, never null',
  SPAN_BAD_VERSION: 'this node reads span format v1',
  SPAN_BAD_TYPE: 'the field has the wrong JSON type',
  SPAN_BAD_ENUM: 'status, kind and visibility take one of the values of SPEC §2',
  SPAN_BAD_TS: 'ts is RFC 3339 UTC with milliseconds, as Date.prototype.toISOString prints it',
  SPAN_BAD_TITLE: 'a title is one line of at most 512 characters',
  SPAN_BAD_AUTHOR: 'author is an ed25519 did:key (did:key:z6Mk…)',
  SPAN_BAD_TENANT: 'a tenant is a slug: lower-case ASCII letters and digits separated by single dashes',
  SPAN_BAD_SEQ: 'seq is an integer ≥ 1, or null for a private span; prev is null exactly when seq is 1 or null',
  SPAN_BAD_HEX: 'ids are 64 lower-case hex characters',
  SPAN_UNSORTED: 'tags and related are sorted (UTF-16 code units) and unique',
  SPAN_TOO_LARGE: 'the canonical body is at most 64 KiB',
  SPAN_NOT_CANONICAL: 'strings must be well-formed Unicode and numbers finite',
  SPAN_BAD_ID: 'id must be sha256("logline/span/v1\\n" ‖ canonical body)',
  SPAN_BAD_SIG: 'sig must be the author\'s ed25519 signature over the 32 id bytes',
} as const;
export type SpanErrorCode = keyof typeof SPAN_ERRORS;

export function spanError(code: SpanErrorCode, message: string): LoglineError {
  return new LoglineError(code, message, { hint: SPAN_ERRORS[code] });
}

const KNOWN = new Set<string>([...REQUIRED_FIELDS, ...OPTIONAL_FIELDS, ...SIGNATURE_FIELDS]);
const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const LOGLINE_ID = /^logline-id:\/\/[^\s/]+$/;
const MAX_SLUG = 128;
const MAX_REF = 512;

/** Authors seen valid recently: a batch repeats the same few, and decoding base58 each time is costly. */
const validAuthors = new Set<string>();

function isDidKey(did: string): boolean {
  if (validAuthors.has(did)) return true;
  if (publicKeyFromDid(did) === null) return false;
  if (validAuthors.size >= 4096) validAuthors.clear();
  validAuthors.add(did);
  return true;
}

export function isSpanId(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

export function isSlug(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_SLUG && SLUG.test(value);
}

export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !TS.test(value)) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString() === value;
}

/**
 * Checks the shape of a span body (every rule of SPEC §2 that needs no key and no store) and returns its
 * canonical text. `signed` demands `id` and `sig`; without it they must be absent.
 */
export function checkShape(value: unknown, signed: boolean): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw spanError('SPAN_NOT_OBJECT', 'the span is not a JSON object');
  const s = value as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!KNOWN.has(key)) throw spanError('SPAN_UNKNOWN_FIELD', `unknown field "${key}"`);
    if (s[key] === null && key !== 'seq' && key !== 'prev') throw spanError('SPAN_NULL_FIELD', `field "${key}" is null`);
  }
  for (const key of REQUIRED_FIELDS) if (!(key in s)) throw spanError('SPAN_MISSING_FIELD', `field "${key}" is missing`);
  if (signed) {
    if (!('id' in s)) throw spanError('SPAN_MISSING_FIELD', 'field "id" is missing');
    if (!('sig' in s)) throw spanError('SPAN_MISSING_FIELD', 'field "sig" is missing');
    if (!isSpanId(s.id)) throw spanError('SPAN_BAD_HEX', 'id is not 64 lower-case hex characters');
    if (typeof s.sig !== 'string' || !HEX128.test(s.sig)) throw spanError('SPAN_BAD_HEX', 'sig is not 128 lower-case hex characters');
  } else {
    for (const key of SIGNATURE_FIELDS) if (key in s) throw spanError('SPAN_UNKNOWN_FIELD', `field "${key}" is not part of an unsigned body`);
  }
  if (s.v !== 1) throw spanError('SPAN_BAD_VERSION', `v is ${JSON.stringify(s.v)}, expected 1`);
  if (typeof s.author !== 'string' || !isDidKey(s.author)) throw spanError('SPAN_BAD_AUTHOR', 'author is not an ed25519 did:key');
  if (!isSlug(s.tenant)) throw spanError('SPAN_BAD_TENANT', `tenant ${JSON.stringify(s.tenant)} is not a slug`);
  if (!isTimestamp(s.ts)) throw spanError('SPAN_BAD_TS', `ts ${JSON.stringify(s.ts)} is not of the form YYYY-MM-DDTHH:MM:SS.sssZ`);
  checkEnum(s, 'status', STATUSES);
  checkEnum(s, 'kind', KINDS);
  checkEnum(s, 'visibility', VISIBILITIES);
  checkChainFields(s);
  if (typeof s.title !== 'string') throw spanError('SPAN_BAD_TYPE', 'title is not a string');
  if (/[\r\n\u2028\u2029]/.test(s.title)) throw spanError('SPAN_BAD_TITLE', 'title spans more than one line');
  if (s.title.length > MAX_TITLE_CHARS && [...s.title].length > MAX_TITLE_CHARS) throw spanError('SPAN_BAD_TITLE', `title is longer than ${MAX_TITLE_CHARS} characters`);
  checkOptional(s);
  let canonical: string;
  try {
    canonical = canonicalJson(signed ? bodyOf(s as unknown as Span) : s);
  } catch (e) {
    throw spanError('SPAN_NOT_CANONICAL', `the body has no canonical form: ${(e as Error).message}`);
  }
  const size = Buffer.byteLength(canonical, 'utf8');
  if (size > MAX_BODY_BYTES) throw spanError('SPAN_TOO_LARGE', `the canonical body is ${size} bytes, over ${MAX_BODY_BYTES}`);
  return canonical;
}

function checkEnum(s: Record<string, unknown>, key: string, values: readonly string[]): void {
  if (typeof s[key] !== 'string' || !values.includes(s[key] as string)) {
    throw spanError('SPAN_BAD_ENUM', `${key} ${JSON.stringify(s[key])} is not one of ${values.join(', ')}`);
  }
}

function checkChainFields(s: Record<string, unknown>): void {
  const { seq, prev } = s;
  if (s.visibility === 'private') {
    if (seq !== null || prev !== null) throw spanError('SPAN_BAD_SEQ', 'a private span has seq and prev null');
    return;
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw spanError('SPAN_BAD_SEQ', `seq ${JSON.stringify(seq)} is not an integer ≥ 1`);
  if (seq === 1) {
    if (prev !== null) throw spanError('SPAN_BAD_SEQ', 'prev must be null at seq 1');
  } else if (!isSpanId(prev)) {
    throw spanError('SPAN_BAD_SEQ', `prev must be the 64-hex id of seq ${seq - 1}`);
  }
}

function checkOptional(s: Record<string, unknown>): void {
  for (const key of ['data', 'metadata'] as const) {
    const v = s[key];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) throw spanError('SPAN_BAD_TYPE', `${key} is not a JSON object`);
  }
  for (const key of ['contract_id', 'workflow_id', 'flow_id'] as const) {
    const v = s[key];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > MAX_REF)) throw spanError('SPAN_BAD_TYPE', `${key} is not a non-empty string of at most ${MAX_REF} characters`);
  }
  if (s.logline_id !== undefined && (typeof s.logline_id !== 'string' || !LOGLINE_ID.test(s.logline_id))) {
    throw spanError('SPAN_BAD_TYPE', 'logline_id is not of the form logline-id://<handle>');
  }
  for (const key of ['caused_by', 'replay_from'] as const) {
    if (s[key] !== undefined && !isSpanId(s[key])) throw spanError('SPAN_BAD_HEX', `${key} is not a 64-hex span id`);
  }
  for (const key of ['tags', 'related'] as const) {
    const v = s[key];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= MAX_REF)) {
      throw spanError('SPAN_BAD_TYPE', `${key} is not an array of non-empty strings`);
    }
    for (let i = 1; i < v.length; i++) {
      if (!(v[i - 1] < v[i])) throw spanError('SPAN_UNSORTED', `${key} is not sorted and unique at "${v[i]}"`);
    }
  }
  if (s.delta_s !== undefined && (typeof s.delta_s !== 'number' || !Number.isFinite(s.delta_s) || s.delta_s < 0)) {
    throw spanError('SPAN_BAD_TYPE', 'delta_s is not a number ≥ 0');
  }
  if (s.replay_count !== undefined && (typeof s.replay_count !== 'number' || !Number.isSafeInteger(s.replay_count) || s.replay_count < 0)) {
    throw spanError('SPAN_BAD_TYPE', 'replay_count is not an integer ≥ 0');
  }
}

/** A span whose shape and id hold, with the canonical body its id hashes and the raw id and sig. */
export interface CheckedSpan {
  span: Span;
  body: string;
  id: Buffer;
  sig: Buffer;
}

/** Shape and id of a signed span; the signature is left to the caller (inline or in a worker pool). */
export function checkSignedSpan(value: unknown): CheckedSpan {
  const canonical = checkShape(value, true);
  const span = value as Span;
  const id = spanIdBytes(canonical);
  if (id.toString('hex') !== span.id) throw spanError('SPAN_BAD_ID', `id ${span.id.slice(0, 12)}… does not match the body (${id.toString('hex').slice(0, 12)}…)`);
  return { span, body: canonical, id, sig: Buffer.from(span.sig, 'hex') };
}

export function badSignature(span: Span): LoglineError {
  return spanError('SPAN_BAD_SIG', `the signature of ${span.id.slice(0, 12)}… does not verify against its author`);
}

/** Full check of a signed span: shape, id and signature. Chain rules need the store. */
export function verifySpan(value: unknown): CheckedSpan {
  const checked = checkSignedSpan(value);
  if (!verifyByDid(checked.span.author, checked.id, checked.sig)) throw badSignature(checked.span);
  return checked;
}


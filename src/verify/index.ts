/**
 * `logline/verify`: checks signed logline spans anywhere JavaScript runs (browsers, workers, Deno, Node), with
 * no Node built-ins: pure-JS ed25519 and SHA-2 from `@noble/*`, and the node's own JCS canonicaliser.
 *
 *   import { verifySpan, verifyChain } from 'logline/verify';
 *   verifySpan(span).ok;                  // id recomputes and the signature verifies against `author`
 *   verifyChain(exportedSpans).findings;  // plus seq/prev links and forks per (author, tenant)
 *
 * It checks what makes a span authentic (id, signature, chain); the remaining format rules of SPEC §2 (enums,
 * sizes, sorted arrays) are enforced by every node on ingest.
 */
import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { publicKeyFromDid } from '../identity/did-key.js';
import { canonicalJson } from '../timeline/jcs.js';
import { SPAN_ID_PREFIX } from '../timeline/span.js';
import { checkChains, type ChainOptions } from './chain.js';
import { VerifyError, type Finding } from './finding.js';

ed.hashes.sha512 = sha512;

export { canonicalJson };
export type { Finding };
export type { ChainOptions };

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const PREFIX = new TextEncoder().encode(SPAN_ID_PREFIX);

/** The outcome for one span: `ok`, or the first rule it breaks. */
export type SpanResult = { ok: true; id: string } | { ok: false; id: string | null; code: string; message: string };

/** The id a span (or body) must have: `sha256("logline/span/v1\n" ‖ JCS(body))` as hex; `id` and `sig` are ignored. */
export function spanId(span: object): string {
  const { id: _id, sig: _sig, ...body } = span as Record<string, unknown>;
  const text = new TextEncoder().encode(canonicalJson(body));
  const bytes = new Uint8Array(PREFIX.length + text.length);
  bytes.set(PREFIX, 0);
  bytes.set(text, PREFIX.length);
  return bytesToHex(sha256(bytes));
}

/** Checks one signed span: its id recomputes from its body and `sig` is `author`'s ed25519 signature of the id. */
export function verifySpan(span: unknown): SpanResult {
  try {
    return { ok: true, id: checkSpan(span) };
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    const id = typeof (span as { id?: unknown } | null)?.id === 'string' ? (span as { id: string }).id : null;
    return { ok: false, id, code: e.code, message: e.message };
  }
}

/** The report of `verifyChain`: every span checked alone, then the links between them. */
export interface ChainReport {
  ok: boolean;
  checked: number;
  /** Chains seen: distinct (author, tenant) pairs among valid, non-private spans. */
  chains: number;
  findings: Finding[];
}

/**
 * Checks a set of spans (in any order, e.g. an export): each span's id and signature, then per (author, tenant)
 * that `seq` has no gaps, that each `prev` is the id at `seq - 1`, and that no seq holds two different spans.
 * With `complete`, every chain must start at seq 1 (otherwise a chain may start anywhere, as a filtered export does).
 */
export function verifyChain(spans: readonly unknown[], opts: ChainOptions = {}): ChainReport {
  const findings: Finding[] = [];
  const valid: { index: number; span: ChainSpan }[] = [];
  spans.forEach((span, index) => {
    const r = verifySpan(span);
    if (r.ok) valid.push({ index, span: span as ChainSpan });
    else findings.push({ index, id: r.id ?? undefined, code: r.code, message: r.message });
  });
  const chains = checkChains(valid, opts, findings);
  findings.sort((a, b) => a.index - b.index);
  return { ok: findings.length === 0, checked: spans.length, chains, findings };
}

type ChainSpan = { id: string; author: string; tenant: string; seq: number | null; prev: string | null };

function checkSpan(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new VerifyError('SPAN_NOT_OBJECT', 'the span is not a JSON object');
  const s = value as Record<string, unknown>;
  if (typeof s.id !== 'string' || !HEX64.test(s.id)) throw new VerifyError('SPAN_BAD_HEX', 'id is not 64 lower-case hex characters');
  if (typeof s.sig !== 'string' || !HEX128.test(s.sig)) throw new VerifyError('SPAN_BAD_HEX', 'sig is not 128 lower-case hex characters');
  if (s.v !== 1) throw new VerifyError('SPAN_BAD_VERSION', `v is ${JSON.stringify(s.v)}, expected 1`);
  const pub = typeof s.author === 'string' ? publicKeyFromDid(s.author) : null;
  if (pub === null) throw new VerifyError('SPAN_BAD_AUTHOR', 'author is not an ed25519 did:key');
  if (typeof s.tenant !== 'string' || s.tenant === '') throw new VerifyError('SPAN_BAD_TENANT', 'tenant is not a slug');
  checkChainFields(s);
  let id: string;
  try {
    id = spanId(s);
  } catch (e) {
    throw new VerifyError('SPAN_NOT_CANONICAL', `the body has no canonical form: ${(e as Error).message}`);
  }
  if (id !== s.id) throw new VerifyError('SPAN_BAD_ID', `id ${s.id.slice(0, 12)}… does not match the body (${id.slice(0, 12)}…)`);
  let good = false;
  try {
    // zip215 off: the strict RFC 8032 rules that node:crypto (OpenSSL) applies on every node
    good = ed.verify(hexToBytes(s.sig), hexToBytes(id), pub, { zip215: false });
  } catch {
    good = false;
  }
  if (!good) throw new VerifyError('SPAN_BAD_SIG', `the signature of ${id.slice(0, 12)}… does not verify against its author`);
  return id;
}

function checkChainFields(s: Record<string, unknown>): void {
  const { seq, prev } = s;
  if (seq === null) {
    if (prev !== null || s.visibility !== 'private') throw new VerifyError('SPAN_BAD_SEQ', 'only a private span has seq null, and then prev is null');
    return;
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new VerifyError('SPAN_BAD_SEQ', `seq ${JSON.stringify(seq)} is not an integer ≥ 1`);
  if (seq === 1 ? prev !== null : typeof prev !== 'string' || !HEX64.test(prev)) {
    throw new VerifyError('SPAN_BAD_SEQ', seq === 1 ? 'prev must be null at seq 1' : `prev must be the 64-hex id of seq ${seq - 1}`);
  }
}

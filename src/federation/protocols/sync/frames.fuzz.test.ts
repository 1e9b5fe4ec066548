/**
 * Fuzzing the decoders of the sync wire: every frame type (decodeFrame) and the frame length prefix
 * (decodeFrameLength), with mutations of valid samples and random bytes (the join messages: join.fuzz.test.ts).
 * Every input is refused with a LoglineError (RangeError only for an incomplete prefix) or accepted, and an
 * accepted frame has the shape docs/spec/sync-v1.md gives its type (an oracle written apart from the decoder).
 */
import { describe, expect, it } from 'vitest';
import { LoglineError } from '../../../errors/errors.js';
import { fuzzInput, Prng } from '../../../testing/fuzz.js';
import { sampleSpans } from '../../../testing/span-samples.js';
import { decodeFrame, decodeFrameLength, encodeFrame, MAX_FRAME, type Frame } from './frames.js';

const INPUTS = Number(process.env.FUZZ_INPUTS ?? 4000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const HEX = 'ab'.repeat(32);
const DID = sampleSpans()[0].author;

const FRAMES: Frame[] = [
  { t: 'hello', proto: 1, app: '0.1.0', node: DID, tenants: ['acme', 'beta-2'], caps: ['heads', 'want', 'live'] },
  { t: 'digest', tenant: 'acme', d: HEX },
  { t: 'heads', tenant: 'acme', heads: [[DID, 3, HEX], [`${DID}x`, 1, HEX]] },
  { t: 'spans', tenant: 'acme', items: sampleSpans() },
  { t: 'want', tenant: 'acme', author: DID, from: 2 },
  { t: 'done', tenant: 'acme' },
  { t: 'ping', n: 1 },
  { t: 'pong', n: 7 },
  { t: 'error', code: 'SYNC_BAD_FRAME', message: 'no' },
];

const slug = (v: unknown) => typeof v === 'string' && v.length <= 128 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(v);
const str = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;
const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const hex64 = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** The shape of each frame type, as the protocol document states it. */
function wellFormed(f: Record<string, unknown>): boolean {
  switch (f.t) {
    case 'hello': return count(f.proto) && str(f.app, 64) && str(f.node, 128) && Array.isArray(f.tenants) && f.tenants.every(slug) && Array.isArray(f.caps) && f.caps.every((c) => str(c, 64));
    case 'digest': return slug(f.tenant) && hex64(f.d);
    case 'heads': return slug(f.tenant) && Array.isArray(f.heads) && f.heads.every((h) => Array.isArray(h) && h.length === 3 && str(h[0], 128) && count(h[1]) && (h[1] as number) >= 1 && hex64(h[2]));
    case 'spans': return slug(f.tenant) && Array.isArray(f.items) && f.items.length >= 1 && f.items.length <= 1000;
    case 'want': return slug(f.tenant) && str(f.author, 128) && count(f.from) && (f.from as number) >= 1;
    case 'done': return slug(f.tenant);
    case 'ping': case 'pong': return count(f.n);
    case 'error': return str(f.code, 64) && typeof f.message === 'string';
    default: return false;
  }
}

function decodeOrRefuse(bytes: Uint8Array, where: string): Frame | undefined {
  try {
    return decodeFrame(bytes);
  } catch (e) {
    if (!(e instanceof LoglineError) || e.code !== 'SYNC_BAD_FRAME') throw new Error(`${where}: threw ${String(e)}`);
    return undefined;
  }
}

describe('sync decoders under fuzzing', () => {
  it('every sample frame decodes to itself', () => {
    for (const f of FRAMES) expect(decodeFrame(encodeFrame(f))).toEqual(f);
  });

  it(`decodeFrame refuses with SYNC_BAD_FRAME or accepts a well-formed frame, ${INPUTS} inputs (seed ${SEED})`, () => {
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < INPUTS; i++) {
      const { value, text } = fuzzInput(FRAMES, SEED, i);
      const bytes = Buffer.from(text ?? JSON.stringify(value) ?? 'undefined', 'utf8');
      const where = `seed ${SEED} input ${i}: ${bytes.toString('utf8').slice(0, 300)}`;
      const frame = decodeOrRefuse(bytes, where);
      if (frame === undefined) {
        refused++;
        continue;
      }
      accepted++;
      expect(wellFormed(frame as unknown as Record<string, unknown>), `${where}: accepted a malformed frame`).toBe(true);
      expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
    }
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('decodeFrame refuses random bytes and frames over the limit', () => {
    const rng = new Prng(SEED);
    for (let i = 0; i < 500; i++) decodeOrRefuse(rng.bytes(rng.int(200)), `random bytes ${i}`);
    expect(() => decodeFrame(new Uint8Array(MAX_FRAME + 1))).toThrow(LoglineError);
  });

  it('decodeFrameLength gives a length within the limit, asks for more bytes, or refuses', () => {
    const rng = new Prng(SEED);
    for (let i = 0; i < 5000; i++) {
      const bytes = rng.bytes(1 + rng.int(6));
      const prefix = { byteLength: bytes.length, get: (k: number) => bytes[k] };
      try {
        const n = decodeFrameLength(prefix);
        expect(n).toBeGreaterThanOrEqual(0);
        expect(n).toBeLessThanOrEqual(MAX_FRAME);
      } catch (e) {
        const ok = (e instanceof LoglineError && e.code === 'SYNC_FRAME_TOO_LARGE') || e instanceof RangeError;
        expect(ok, `prefix ${Buffer.from(bytes).toString('hex')}: threw ${String(e)}`).toBe(true);
      }
    }
  });

});

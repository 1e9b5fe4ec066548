/**
 * `/logline/sync/1.0.0` frames: length-prefixed JSON objects of at most MAX_FRAME bytes, each with a type `t`.
 * Anything that does not parse, is too big, has an unknown `t` or a wrong shape is a protocol violation.
 */
import { LoglineError } from '../../../errors/errors.js';
import { isSlug } from '../../../timeline/validate.js';

export const PROTOCOL = '/logline/sync/1.0.0';
export const PROTO_VERSION = 1;
export const MAX_FRAME = 1024 * 1024;
/** Spans per `spans` frame are bounded by bytes (~64 KiB) and by count. */
export const FRAME_SPAN_BYTES = 64 * 1024;
export const MAX_FRAME_SPANS = 1000;
const MAX_HEADS = 10_000;
const MAX_TENANTS = 1000;

export type Head = [author: string, seq: number, id: string];

export type Frame =
  | { t: 'hello'; proto: number; app: string; node: string; tenants: string[]; caps: string[] }
  | { t: 'digest'; tenant: string; d: string }
  | { t: 'heads'; tenant: string; heads: Head[] }
  | { t: 'spans'; tenant: string; items: unknown[] }
  | { t: 'want'; tenant: string; author: string; from: number }
  | { t: 'done'; tenant: string }
  | { t: 'ping'; n: number }
  | { t: 'pong'; n: number }
  | { t: 'error'; code: string; message: string };

function violation(message: string): LoglineError {
  return new LoglineError('SYNC_BAD_FRAME', message, { hint: 'the peer does not speak /logline/sync/1.0.0 correctly' });
}

const isStr = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

export function encodeFrame(frame: Frame): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(frame), 'utf8');
  if (bytes.length > MAX_FRAME) throw violation(`a ${frame.t} frame of ${bytes.length} bytes is over the limit`);
  return bytes;
}

/** A frame of MAX_FRAME bytes has a 3-byte varint length prefix; a longer prefix announces more. */
const MAX_PREFIX_BYTES = 3;

/**
 * The length-prefix decoder of the frame stream (an unsigned varint), for lpStream: a length over MAX_FRAME, or a
 * prefix longer than such a length needs (garbage such as 0xff… would otherwise be read a byte at a time,
 * forever), throws SYNC_FRAME_TOO_LARGE before any payload is read. An incomplete prefix throws RangeError,
 * which makes lpStream read the next byte.
 */
export function decodeFrameLength(prefix: { readonly byteLength: number; get(index: number): number }): number {
  let length = 0;
  for (let i = 0; i < prefix.byteLength; i++) {
    const b = prefix.get(i);
    length += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (length > MAX_FRAME) throw tooLarge(`a frame of ${length} bytes is over the limit of ${MAX_FRAME}`);
      return length;
    }
    if (i + 1 >= MAX_PREFIX_BYTES) throw tooLarge(`a frame length prefix of more than ${MAX_PREFIX_BYTES} bytes (a frame over ${MAX_FRAME} bytes, or garbage)`);
  }
  throw new RangeError('the length prefix is incomplete');
}

function tooLarge(message: string): LoglineError {
  return new LoglineError('SYNC_FRAME_TOO_LARGE', message, { hint: `frames are at most ${MAX_FRAME} bytes` });
}

/** Parses and validates one frame; throws SYNC_BAD_FRAME on anything else. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length > MAX_FRAME) throw violation(`a frame of ${bytes.length} bytes is over the limit`);
  let f: Record<string, unknown>;
  try {
    f = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw violation('a frame is not JSON');
  }
  if (f === null || typeof f !== 'object' || Array.isArray(f)) throw violation('a frame is not a JSON object');
  const tenant = () => { if (!isSlug(f.tenant)) throw violation(`${String(f.t)}: bad tenant`); };
  switch (f.t) {
    case 'hello':
      if (!isSeq(f.proto) || !isStr(f.app, 64) || !isStr(f.node, 128) || !Array.isArray(f.tenants) || f.tenants.length > MAX_TENANTS
        || !f.tenants.every(isSlug) || !Array.isArray(f.caps) || !f.caps.every((c) => isStr(c, 64))) throw violation('bad hello');
      break;
    case 'digest':
      tenant();
      if (!isHex64(f.d)) throw violation('bad digest');
      break;
    case 'heads':
      tenant();
      if (!Array.isArray(f.heads) || f.heads.length > MAX_HEADS
        || !f.heads.every((h) => Array.isArray(h) && h.length === 3 && isStr(h[0], 128) && isSeq(h[1]) && h[1] > 0 && isHex64(h[2]))) throw violation('bad heads');
      break;
    case 'spans':
      tenant();
      if (!Array.isArray(f.items) || f.items.length === 0 || f.items.length > MAX_FRAME_SPANS) throw violation('bad spans');
      break;
    case 'want':
      tenant();
      if (!isStr(f.author, 128) || !isSeq(f.from) || f.from < 1) throw violation('bad want');
      break;
    case 'done':
      tenant();
      break;
    case 'ping':
    case 'pong':
      if (!isSeq(f.n)) throw violation(`bad ${f.t}`);
      break;
    case 'error':
      if (!isStr(f.code, 64) || typeof f.message !== 'string') throw violation('bad error');
      break;
    default:
      throw violation(`unknown frame type ${JSON.stringify(f.t)}`);
  }
  return f as unknown as Frame;
}

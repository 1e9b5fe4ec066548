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

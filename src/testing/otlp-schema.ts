/**
 * Test harness only: checks OTLP/JSON trace requests against the official opentelemetry-proto schema, as compiled by
 * the OpenTelemetry JS project (the protobufjs static module of `@opentelemetry/otlp-transformer@0.216.0`, the last
 * release that ships the trace messages; installed under the alias `otlp-proto-schema`).
 */
import { createRequire } from 'node:module';

/** The protobufjs static API of one message type. */
interface MessageType {
  verify(message: Record<string, unknown>): string | null;
  fromObject(object: Record<string, unknown>): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>;
}

const root = createRequire(import.meta.url)('otlp-proto-schema/build/src/generated/root.js');
const Request: MessageType = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * Where the OTLP/JSON encoding departs from the protobuf JSON mapping (OTLP spec, "JSON Protobuf Encoding"): trace and
 * span ids are hex, not base64 (bytes: 16 for a trace id, 8 for a span id); the 64-bit integers of the trace
 * messages may be decimal strings or numbers. Enums must be integers, names lowerCamelCase: the schema checks those.
 */
const HEX_IDS = new Map([['traceId', 16], ['spanId', 8], ['parentSpanId', 8]]);
const FIXED64 = [0n, 2n ** 64n - 1n] as const;
const INT64 = new Map<string, readonly [bigint, bigint]>([['startTimeUnixNano', FIXED64], ['endTimeUnixNano', FIXED64], ['timeUnixNano', FIXED64], ['intValue', [-(2n ** 63n), 2n ** 63n - 1n] as const]]);

/** The problems of one OTLP/JSON request line; none means the schema takes it whole, losing no field and no value. */
export function otlpSchemaProblems(line: string): string[] {
  let sent: unknown;
  let decoded: Record<string, unknown>;
  try {
    sent = JSON.parse(line);
    decoded = fromOtlpJson(sent, '') as Record<string, unknown>;
  } catch (e) {
    return [(e as Error).message];
  }
  const invalid = Request.verify(decoded);
  if (invalid) return [`the schema refuses it: ${invalid}`];
  const back = Request.toObject(Request.decode(Request.encode(Request.fromObject(decoded)).finish()), { longs: String, enums: Number, bytes: String, arrays: true });
  return differences(canonical(sent, 'hex'), canonical(back, 'base64'), '');
}

/** OTLP/JSON as protobufjs objects, the way an OTLP/JSON receiver reads ids and 64-bit integers. */
function fromOtlpJson(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => fromOtlpJson(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => {
    const at = path ? `${path}.${key}` : key;
    const idBytes = HEX_IDS.get(key);
    const range = INT64.get(key);
    return [key, idBytes ? hexId(v, idBytes, at) : range ? int64(v, range) : fromOtlpJson(v, at)];
  }));
}

function hexId(v: unknown, bytes: number, path: string): Uint8Array {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]*$/.test(v) || v.length !== bytes * 2 || /^0*$/.test(v)) {
    throw new Error(`${path} is not ${bytes * 2} hex characters (${bytes} bytes, not all zero): ${JSON.stringify(v)}`);
  }
  return Buffer.from(v, 'hex');
}

/** A decimal string or an integer in range as protobufjs's Long shape; anything else is left for `verify` to refuse. */
function int64(v: unknown, [min, max]: readonly [bigint, bigint]): unknown {
  const text = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof text !== 'string' || !/^-?\d{1,20}$/.test(text) || BigInt(text) < min || BigInt(text) > max) return v;
  const n = BigInt.asUintN(64, BigInt(text));
  return { low: Number(BigInt.asIntN(32, n)), high: Number(BigInt.asIntN(32, n >> 32n)), unsigned: false };
}

/** One form for what was sent and what came back: ids as lower-case hex, 64-bit integers as decimal strings. */
function canonical(value: unknown, ids: 'hex' | 'base64', key = ''): unknown {
  if (HEX_IDS.has(key) && typeof value === 'string') return ids === 'hex' ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
  if (INT64.has(key) && typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map((v) => canonical(v, ids));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v, ids, k)]));
}

/** Every key and value of `sent` that did not come back: a key unknown to the schema, or a value it changed. */
function differences(sent: unknown, back: unknown, path: string): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(back) || back.length !== sent.length) return [`${path}: ${sent.length} items sent, ${JSON.stringify(back)} came back`];
    return sent.flatMap((v, i) => differences(v, back[i], `${path}[${i}]`));
  }
  if (sent !== null && typeof sent === 'object') {
    if (back === null || typeof back !== 'object') return [`${path}: an object sent, ${JSON.stringify(back)} came back`];
    return Object.entries(sent).flatMap(([k, v]) => {
      const at = path ? `${path}.${k}` : k;
      return Object.hasOwn(back, k) ? differences(v, (back as Record<string, unknown>)[k], at) : [`${at} is not a field of the schema (dropped)`];
    });
  }
  return Object.is(sent, back) ? [] : [`${path}: ${JSON.stringify(sent)} sent, ${JSON.stringify(back)} came back`];
}

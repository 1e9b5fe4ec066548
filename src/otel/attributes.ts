import { LoglineError } from '../errors/errors.js';

/** OTLP/JSON `AnyValue` and `KeyValue` (opentelemetry-proto common.proto, JSON mapping). */
export type AnyValue = {
  stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number | string;
  arrayValue?: { values?: AnyValue[] }; kvlistValue?: { values?: KeyValue[] }; bytesValue?: string;
};
export interface KeyValue { key: string; value?: AnyValue }

/** Nesting deeper than this is refused: attribute values are small by design, and recursion must stay bounded. */
const MAX_DEPTH = 16;

export function badOtlp(message: string): LoglineError {
  return new LoglineError('BAD_OTLP', message, { hint: 'send OTLP/JSON traces (ExportTraceServiceRequest) as the OpenTelemetry exporters do' });
}

/**
 * A `KeyValue[]` as a plain JSON object: strings, booleans, numbers (an int64 beyond 2^53 stays a decimal string,
 * a non-finite double becomes "NaN"/"Infinity"), arrays, nested objects; bytes as base64 text; an empty value null.
 */
export function attributesToJson(list: unknown, path: string, depth = 0): Record<string, unknown> {
  if (list === undefined || list === null) return {};
  if (!Array.isArray(list)) throw badOtlp(`${path} is not an array of {key, value}`);
  const out: Record<string, unknown> = {};
  list.forEach((kv, i) => {
    if (kv === null || typeof kv !== 'object' || typeof (kv as KeyValue).key !== 'string') throw badOtlp(`${path}[${i}] is not a {key, value}`);
    out[(kv as KeyValue).key] = anyValueToJson((kv as KeyValue).value, `${path}[${i}].value`, depth);
  });
  return out;
}

function anyValueToJson(v: unknown, path: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw badOtlp(`${path} nests deeper than ${MAX_DEPTH} levels`);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw badOtlp(`${path} is not an AnyValue object`);
  const keys = Object.keys(v);
  if (keys.length === 0) return null;
  if (keys.length > 1) throw badOtlp(`${path} has more than one of stringValue, intValue, …`);
  const a = v as AnyValue;
  switch (keys[0]) {
    case 'stringValue':
      if (typeof a.stringValue !== 'string') throw badOtlp(`${path}.stringValue is not a string`);
      return a.stringValue;
    case 'boolValue':
      if (typeof a.boolValue !== 'boolean') throw badOtlp(`${path}.boolValue is not a boolean`);
      return a.boolValue;
    case 'intValue': return intValue(a.intValue, `${path}.intValue`);
    case 'doubleValue': return doubleValue(a.doubleValue, `${path}.doubleValue`);
    case 'bytesValue':
      if (typeof a.bytesValue !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(a.bytesValue)) throw badOtlp(`${path}.bytesValue is not base64`);
      return a.bytesValue;
    case 'arrayValue': {
      const values = (a.arrayValue as { values?: unknown } | null)?.values ?? [];
      if (!Array.isArray(values)) throw badOtlp(`${path}.arrayValue.values is not an array`);
      return values.map((x, i) => anyValueToJson(x, `${path}.arrayValue.values[${i}]`, depth + 1));
    }
    case 'kvlistValue':
      return attributesToJson((a.kvlistValue as { values?: unknown } | null)?.values, `${path}.kvlistValue.values`, depth + 1);
    default:
      throw badOtlp(`${path} has an unknown field "${keys[0]}"`);
  }
}

function intValue(v: unknown, path: string): number | string {
  const text = typeof v === 'number' && Number.isInteger(v) ? String(v) : v;
  if (typeof text !== 'string' || !/^-?\d{1,20}$/.test(text)) throw badOtlp(`${path} is not an int64`);
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

function doubleValue(v: unknown, path: string): number | string {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw badOtlp(`${path} is not a double`);
}

/** A JSON value as an OTLP `AnyValue` (the inverse of `attributesToJson`, up to int/double for whole numbers). */
export function jsonToAnyValue(v: unknown): AnyValue {
  if (v === null || v === undefined) return {};
  switch (typeof v) {
    case 'string': return { stringValue: v };
    case 'boolean': return { boolValue: v };
    case 'number': return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    case 'object':
      if (Array.isArray(v)) return { arrayValue: { values: v.map(jsonToAnyValue) } };
      return { kvlistValue: { values: jsonToAttributes(v as Record<string, unknown>) } };
    default: return { stringValue: String(v) };
  }
}

export function jsonToAttributes(obj: Record<string, unknown>): KeyValue[] {
  return Object.entries(obj).filter(([, v]) => v !== undefined).map(([key, value]) => ({ key, value: jsonToAnyValue(value) }));
}

/**
 * Input generation for fuzz tests: random JSON, and mutations of valid samples (structural, on the parsed
 * value, and textual, on the bytes), all drawn from a seeded PRNG so that a failing input can be replayed from
 * its seed and index. Test harness only (bench/fuzz.mjs bundles it).
 */
import { Prng } from './simnet/prng.js';

export { Prng };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const STRINGS = ['', ' ', 'a', 'null', '0', '-1', 'é', '✓', '\u0000', '\n', '\r\n', '\u2028', '\ud800', '\udc00x', '😀', 'did:key:z6Mk', 'logline-id://x',
  '2026-01-01T00:00:00.000Z', '2026-02-30T00:00:00.000Z', '0'.repeat(64), 'f'.repeat(128), 'A'.repeat(64), '__proto__', 'constructor', 'x'.repeat(600)];
const NUMBERS = [0, -0, 1, -1, 0.5, 1e21, -1e-7, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, 255, 65536, 1_048_577];
const KEYS = ['v', 'id', 'sig', 'author', 'tenant', 'seq', 'prev', 'ts', 'title', 'status', 'kind', 'visibility', 'data', 'tags', 'related', 't', 'items', 'heads',
  'proto', 'tenants', 'rules', 'condition', 'actions', 'when', 'priority', '__proto__', 'extra'];

export function randomJson(rng: Prng, depth = 3): Json {
  const k = rng.int(depth > 0 ? 8 : 5);
  switch (k) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.chance(0.5) ? rng.pick(NUMBERS) : rng.int(1000) - 500;
    case 3: return rng.pick(STRINGS);
    case 4: return String.fromCharCode(...Array.from({ length: rng.int(12) }, () => rng.int(0x3000)));
    case 5: return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth - 1));
    default: {
      const o: { [k: string]: Json } = {};
      for (let i = rng.int(5); i > 0; i--) o[rng.pick(KEYS)] = randomJson(rng, depth - 1);
      return o;
    }
  }
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Containers (objects and arrays) of a value, each with its path length, for picking a place to mutate. */
function containers(v: Json, out: (Json[] | { [k: string]: Json })[] = []): (Json[] | { [k: string]: Json })[] {
  if (v !== null && typeof v === 'object') {
    out.push(v);
    for (const c of Array.isArray(v) ? v : Object.values(v)) containers(c, out);
  }
  return out;
}

/** A few structural changes to a copy of `value`: fields removed, added, retyped, strings and numbers edited, arrays reordered. */
export function mutateJson(value: unknown, rng: Prng, edits = 1 + rng.int(3)): unknown {
  const root = clone(value) as Json;
  if (root === null || typeof root !== 'object') return randomJson(rng);
  for (let e = 0; e < edits; e++) {
    const c = rng.pick(containers(root));
    const keys = Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c);
    const op = rng.int(9);
    if (keys.length === 0 || op === 0) {
      if (Array.isArray(c)) c.push(randomJson(rng, 1));
      else c[rng.chance(0.5) ? rng.pick<string>(KEYS) : `k${rng.int(9)}`] = randomJson(rng, 1);
      continue;
    }
    const key = rng.pick<string | number>(keys) as never;
    const cur = (c as Record<string, Json>)[key];
    switch (op) {
      case 1:
        if (Array.isArray(c)) c.splice(key, 1);
        else delete (c as Record<string, Json>)[key];
        break;
      case 2: (c as Record<string, Json>)[key] = randomJson(rng, 1); break;
      case 3: (c as Record<string, Json>)[key] = null; break;
      case 4:
        if (typeof cur === 'string') (c as Record<string, Json>)[key] = editString(cur, rng);
        else if (typeof cur === 'number') (c as Record<string, Json>)[key] = rng.pick<Json>([cur + 1, cur - 1, -cur, cur * 2, cur + 0.5, String(cur)]);
        else (c as Record<string, Json>)[key] = rng.pick(STRINGS);
        break;
      case 5:
        if (Array.isArray(c) && c.length > 1) c.reverse();
        else if (Array.isArray(c)) c.push(c[0]);
        else (c as Record<string, Json>)[key] = [cur];
        break;
      case 6: if (Array.isArray(c)) c.push(clone(cur)); else (c as Record<string, Json>)[key] = { v: cur }; break;
      case 7: if (typeof cur === 'string') (c as Record<string, Json>)[key] = cur.toUpperCase(); else (c as Record<string, Json>)[key] = JSON.stringify(cur) ?? null; break;
      default: {
        // swap two values of the same container
        const other = rng.pick<string | number>(keys) as never;
        [(c as Record<string, Json>)[key], (c as Record<string, Json>)[other]] = [(c as Record<string, Json>)[other], cur];
      }
    }
  }
  return root;
}

function editString(s: string, rng: Prng): string {
  const i = rng.int(s.length + 1);
  switch (rng.int(5)) {
    case 0: return s.slice(0, i) + s.slice(i + 1);
    case 1: return s.slice(0, i) + String.fromCharCode(rng.int(0x10000)) + s.slice(i);
    case 2: return s.slice(0, i) + rng.pick(STRINGS) + s.slice(i);
    case 3: return s.slice(0, i);
    default: return s.repeat(2 + rng.int(3));
  }
}

/** Byte-level changes to a text: flips, insertions, deletions, truncation, JSON tokens spliced in. */
export function mutateText(text: string, rng: Prng, edits = 1 + rng.int(4)): string {
  let b = Buffer.from(text, 'utf8');
  for (let e = 0; e < edits; e++) {
    const i = rng.int(b.length + 1);
    switch (rng.int(6)) {
      case 0: if (b.length > 0) b[Math.min(i, b.length - 1)] ^= 1 << rng.int(8); break;
      case 1: b = Buffer.concat([b.subarray(0, i), Buffer.from(rng.bytes(1 + rng.int(4))), b.subarray(i)]); break;
      case 2: b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1 + rng.int(8))]); break;
      case 3: b = b.subarray(0, i); break;
      case 4: b = Buffer.concat([b.subarray(0, i), Buffer.from(rng.pick<string>(['{', '}', '[', ']', ',', ':', '"', '\\', 'null', '1e999', '-', '\n', '  ', '\ufeff', '"t":'])), b.subarray(i)]); break;
      default: {
        // duplicate a slice
        const j = Math.min(b.length, i + 1 + rng.int(16));
        b = Buffer.concat([b.subarray(0, j), b.subarray(i, j), b.subarray(j)]);
      }
    }
  }
  return b.toString('utf8');
}

/** Sorted keys, recursively: two values with equal texts here are the same JSON value. */
export function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]])) : Object.is(x, -0) ? 0 : x));
}

/** The i-th input of a fuzz run: a mutation of a sample (structural or textual), or random JSON. */
export function fuzzInput(samples: readonly unknown[], seed: number, i: number): { value: unknown; text: string | undefined } {
  const rng = new Prng((seed * 0x9e3779b1 + i) >>> 0);
  const r = rng.float();
  const sample = rng.pick(samples);
  if (r < 0.55) return { value: mutateJson(sample, rng), text: undefined };
  if (r < 0.9) {
    const text = mutateText(JSON.stringify(sample), rng);
    try {
      return { value: JSON.parse(text) as unknown, text };
    } catch {
      return { value: undefined, text };
    }
  }
  return { value: randomJson(rng), text: undefined };
}

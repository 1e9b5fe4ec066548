/*
 * Portable: no Node built-ins here. The browser verifier (`logline/verify`) and the node's hot paths share this
 * one canonicaliser, so that both hash exactly the same bytes.
 */

/**
 * RFC 8785 (JCS) text of a JSON value; throws on NaN, Infinity, lone surrogates and non-JSON values.
 *
 * Hand-written rather than the `canonicalize` package: this is the hot path of every append, import and
 * sync, and native `JSON.stringify` for strings and numbers (whose ECMAScript forms are exactly JCS's) with
 * `isWellFormed` for the surrogate check is ~3× faster than the package's per-character loop. The RFC's
 * examples and the independent vector file keep it honest (canonical.test.ts, vectors.test.ts).
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) throw new TypeError('lone surrogates are not allowed');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not allowed`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i] === undefined ? null : value[i]);
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of Object.keys(obj).sort()) {
        const v = obj[key];
        if (v === undefined) continue;
        out += `${first ? '' : ','}${canonicalJson(key)}:${canonicalJson(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`a ${typeof value} has no JSON form`);
  }
}

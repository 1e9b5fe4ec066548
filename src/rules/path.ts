/** Reads the value at a dot path in a JSON value; `undefined` means "missing" (JSON has no undefined). */
export type Getter = (root: unknown) => unknown;

/**
 * Compiles a dot path (`data.amount`, `metadata.author.name`, `tags.0`) into a reader, once per rule.
 * Empty segments are skipped; in an array a segment of digits is an index (anything else is missing); in an
 * object a segment is a key (own keys only). Reading through a string, number, boolean or null is missing.
 */
export function compilePath(path: string): Getter {
  const keys = path.split('.').filter((s) => s !== '');
  const indexes = keys.map((k) => (/^\d+$/.test(k) ? Number(k) : -1));
  if (keys.length === 1) {
    const [k] = keys;
    const [i] = indexes;
    return (root) => step(root, k, i);
  }
  if (keys.length === 2) {
    const [k0, k1] = keys;
    const [i0, i1] = indexes;
    return (root) => step(step(root, k0, i0), k1, i1);
  }
  return (root) => {
    let cur = root;
    for (let n = 0; n < keys.length && cur !== undefined; n++) cur = step(cur, keys[n], indexes[n]);
    return cur;
  };
}

function step(cur: unknown, key: string, index: number): unknown {
  if (typeof cur !== 'object' || cur === null) return undefined;
  if (Array.isArray(cur)) return index >= 0 && index < cur.length ? cur[index] : undefined;
  return Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
}

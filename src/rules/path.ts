/**
 * Dot paths into the span (`data.amount`, `metadata.author.name`, `tags.0`), compiled into JavaScript
 * expressions (see conditions.ts). Semantics of the original rules: empty segments are skipped; in an array a
 * segment of digits is an index (anything else is missing); in an object a segment is a key (own keys only);
 * reading through a string, number, boolean or null is missing. Missing is `undefined`, which JSON never holds.
 */

/** The segments of a path, empty ones dropped. */
export function segments(path: string): string[] {
  return path.split('.').filter((s) => s !== '');
}

/**
 * A JavaScript expression reading `segs` from the expression `root`; `temp()` names a fresh local variable.
 * Most keys are read with a plain property access: JSON objects have no keys but their own, arrays have no own
 * property of such a name, and scalars are excluded by the typeof test. A key that names something inherited
 * (`constructor`, `length`, `map`…) or an array index goes through `carefulStep`.
 */
export function readExpr(root: string, segs: readonly string[], temp: () => string): string {
  let expr = root;
  for (const key of segs) {
    const index = /^\d+$/.test(key) ? Number(key) : -1;
    if (index >= 0 || key in Object.prototype || key in Array.prototype) {
      expr = `step(${expr}, ${JSON.stringify(key)}, ${index})`;
    } else {
      const t = temp();
      expr = `(typeof (${t} = ${expr}) === 'object' && ${t} !== null ? ${t}[${JSON.stringify(key)}] : undefined)`;
    }
  }
  return expr;
}

export function carefulStep(cur: unknown, key: string, index: number): unknown {
  if (typeof cur !== 'object' || cur === null) return undefined;
  if (Array.isArray(cur)) return index >= 0 && index < cur.length ? cur[index] : undefined;
  return Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
}

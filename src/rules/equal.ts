/** Numbers closer than this are equal (they are compared as floats). */
export const FLOAT_TOLERANCE = 1e-9;

/**
 * Deep JSON equality of the original rules: numbers as floats within 1e-9 (also inside arrays and objects),
 * everything else by value with types that must match (`"5"` ≠ `5`, `1` ≠ `true`, `null` ≠ missing),
 * arrays in order, objects by their keys whatever the order.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'number') return typeof b === 'number' && (a === b || Math.abs(a - b) <= FLOAT_TOLERANCE);
  if (a === b) return a !== undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  if (keys.length !== Object.keys(bo).filter((k) => bo[k] !== undefined).length) return false;
  for (const k of keys) if (!Object.hasOwn(bo, k) || !jsonEqual(ao[k], bo[k])) return false;
  return true;
}

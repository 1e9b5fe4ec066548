/**
 * Tenant slug (SPEC §5): ASCII alphanumerics lower-cased; runs of space, `-` and `_` become one `-`; other
 * characters dropped; no leading or trailing `-`; empty → `tenant`.
 */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/[ _-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'tenant' : slug.slice(0, 128).replace(/-+$/, '');
}

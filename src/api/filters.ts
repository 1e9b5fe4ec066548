import { LoglineError } from '../errors/errors.js';
import { isTimestamp } from '../timeline/validate.js';
import type { QueryFilters } from './types.js';

const STRINGS = ['tenant', 'author', 'since', 'until', 'status', 'contract', 'workflow', 'flow', 'text', 'cursor'] as const;

/** QueryFilters as URL search parameters (`tag` repeats). */
export function filtersToParams(filters: QueryFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of STRINGS) if (filters[key] !== undefined) params.set(key, filters[key]);
  for (const tag of filters.tags ?? []) params.append('tag', tag);
  if (filters.limit !== undefined) params.set('limit', String(filters.limit));
  return params;
}

/** The inverse, validating what a client sent. */
export function filtersFromParams(params: URLSearchParams): QueryFilters {
  const filters: QueryFilters = {};
  for (const key of STRINGS) {
    const value = params.get(key);
    if (value !== null) filters[key] = value;
  }
  const tags = params.getAll('tag');
  if (tags.length > 0) filters.tags = tags;
  const limit = params.get('limit');
  if (limit !== null) {
    if (!/^\d+$/.test(limit)) throw LoglineError.usage('BAD_LIMIT', `limit "${limit}" is not an integer`);
    filters.limit = Number(limit);
  }
  for (const key of ['since', 'until'] as const) {
    if (filters[key] !== undefined && !isTimestamp(filters[key])) throw LoglineError.usage('BAD_TIME', `${key} must be an RFC 3339 UTC time with milliseconds`);
  }
  return filters;
}

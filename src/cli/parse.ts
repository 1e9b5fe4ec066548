import { readFileSync } from 'node:fs';
import { LoglineError } from '../errors/errors.js';

/** Parses `--since`/`--until`: an RFC 3339 time, a date, or a span of time ago (`90s`, `30m`, `2h`, `7d`, `2w`). */
export function parseTime(value: string, flag: string, now = Date.now()): string {
  const rel = /^(\d+)(s|m|h|d|w)$/.exec(value.trim());
  if (rel) {
    const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[rel[2] as 's'];
    return new Date(now - Number(rel[1]) * unit).toISOString();
  }
  const ms = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw LoglineError.usage('BAD_TIME', `${flag} "${value}" is not a time`, 'use an RFC 3339 time (2026-11-28T13:00:00Z), a date (2026-11-28) or an age (30m, 2h, 7d)');
  }
  return new Date(ms).toISOString();
}

export function parseIntFlag(value: string, flag: string, min = 1): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw LoglineError.usage('BAD_NUMBER', `${flag} "${value}" is not an integer ≥ ${min}`);
  return n;
}

export function parseNumberFlag(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw LoglineError.usage('BAD_NUMBER', `${flag} "${value}" is not a number ≥ 0`);
  return n;
}

/** A JSON object from a flag: inline JSON, `@file`, or `-` for stdin. */
export function parseJsonObject(value: string, flag: string): Record<string, unknown> {
  let text = value;
  try {
    if (value === '-') text = readFileSync(0, 'utf8');
    else if (value.startsWith('@')) text = readFileSync(value.slice(1), 'utf8');
  } catch (e) {
    throw LoglineError.usage('BAD_JSON', `${flag}: cannot read ${value === '-' ? 'stdin' : value.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw LoglineError.usage('BAD_JSON', `${flag} is not valid JSON: ${(e as Error).message}`, `e.g. ${flag} '{"sha":"ab12"}', ${flag} @file.json or ${flag} - (stdin)`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw LoglineError.usage('BAD_JSON', `${flag} must be a JSON object`, `e.g. ${flag} '{"sha":"ab12"}'`);
  return parsed as Record<string, unknown>;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** A duration flag (`500ms`, `30s`, `5m`, `2h`, `1d`) in milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = DURATION.exec(value.trim());
  if (!m) throw LoglineError.usage('BAD_DURATION', `${flag} "${value}" is not a duration`, 'e.g. 500ms, 30s, 5m, 2h, 1d');
  return Math.round(Number(m[1]) * { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's']);
}

/** A time in the future: RFC 3339, a date, or a delay from now (`+10m`, `10m`, `90s`). Milliseconds since the epoch. */
export function parseAt(value: string, flag: string, now = Date.now()): number {
  const rel = /^\+?(\d+(?:\.\d+)?(?:ms|s|m|h|d))$/.exec(value.trim());
  if (rel) return now + parseDuration(rel[1], flag);
  const ms = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw LoglineError.usage('BAD_TIME', `${flag} "${value}" is not a time`, 'use an RFC 3339 time (2026-11-28T13:00:00Z), a date (2026-11-28) or a delay from now (+10m, 2h)');
  }
  return ms;
}

const AGE = /^(\d+)(m|h|d|w)$/;

/** An age like 30m, 12h, 30d or 8w, in milliseconds. */
export function parseAge(value: string, flag: string): number {
  const m = AGE.exec(value);
  if (!m || Number(m[1]) === 0) throw LoglineError.usage('BAD_TTL', `${flag} "${value}" is not an age`, 'e.g. 30m, 12h, 30d, 8w');
  return Number(m[1]) * { m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[m[2] as 'm'];
}

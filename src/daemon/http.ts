import type { IncomingMessage, ServerResponse } from 'node:http';
import { HEADER_API, HEADER_VERSION } from '../api/routes.js';
import { API_VERSION } from '../api/types.js';
import { EXIT, LoglineError } from '../errors/errors.js';
import { VERSION } from '../version.js';

/** HTTP status of each error code that is not a plain 400. */
const STATUS: Record<string, number> = {
  NOT_FOUND: 404, SPAN_NOT_FOUND: 404, TASK_NOT_FOUND: 404, ROUTE_NOT_FOUND: 404, METHOD_NOT_ALLOWED: 405,
  UNAUTHORIZED: 401, FORBIDDEN: 403, BODY_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, RATE_LIMITED: 429, NOT_READY: 503, INTERNAL: 500,
};

/** 400 for a malformed request (a usage error), 422 for well-formed content that is invalid. */
export function statusOf(e: LoglineError): number {
  return STATUS[e.code] ?? (e.exitCode === EXIT.USAGE || e.code.startsWith('BAD_') ? 400 : 422);
}

export function baseHeaders(): Record<string, string> {
  return { [HEADER_VERSION]: VERSION, [HEADER_API]: String(API_VERSION) };
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...baseHeaders(), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendError(res: ServerResponse, e: unknown, headers: Record<string, string> = {}): void {
  const err = e instanceof LoglineError ? e : new LoglineError('INTERNAL', 'internal error', { hint: 'see the node log' });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body: Record<string, unknown> = { error: err.toJSON() };
  if (err.details) (body.error as Record<string, unknown>).details = err.details;
  sendJson(res, statusOf(err), body, headers);
}

/** Reads a request body up to `limit` bytes; a bigger one is refused with 413 before it is buffered. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): LoglineError {
  return new LoglineError('BODY_TOO_LARGE', `the request body is over ${limit} bytes`, { hint: 'send smaller batches' });
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new LoglineError('BAD_JSON', `the body is not valid JSON: ${(e as Error).message}`, { hint: 'send one JSON object' });
  }
}

/** NDJSON lines; a line that does not parse is kept as an Error for per-line reporting. */
export function parseNdjson(body: Buffer): (unknown | Error)[] {
  const out: (unknown | Error)[] = [];
  for (const line of body.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      out.push(e as Error);
    }
  }
  return out;
}

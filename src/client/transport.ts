import { EXIT, LoglineError } from '../errors/errors.js';

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Buffer>;
}

export interface RequestOptions {
  body?: string | Buffer;
  headers?: Record<string, string>;
}

/**
 * How the typed client reaches the daemon. Two implementations: HTTP/1.1 written out over node:net (cheap to load,
 * for the CLI; socket-http.ts) and undici (pooled, for programs).
 */
export interface Transport {
  request(method: string, path: string, opts?: RequestOptions): Promise<TransportResponse>;
  close(): Promise<void>;
}

export function unreachable(where: string, e: unknown): LoglineError {
  const code = (e as NodeJS.ErrnoException).code;
  return new LoglineError('DAEMON_UNREACHABLE', `cannot reach the logline daemon at ${where}: ${code ?? (e as Error).message}`, {
    hint: '`logline node start` starts it; without it, commands run in-process', exitCode: EXIT.DAEMON_UNREACHABLE,
    details: { cause: code ?? 'unknown' },
  });
}

/** True when the request never reached a daemon (no socket, nobody listening): safe to run it elsewhere. */
export function neverSent(e: unknown): boolean {
  return e instanceof LoglineError && e.code === 'DAEMON_UNREACHABLE' && ['ENOENT', 'ECONNREFUSED'].includes(String(e.details?.cause));
}

export async function readAll(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Splits a streamed body into lines. */
export async function* lines(body: AsyncIterable<Buffer>): AsyncIterable<string> {
  let rest = '';
  for await (const chunk of body) {
    rest += chunk.toString('utf8');
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      if (line.trim() !== '') yield line;
    }
  }
  if (rest.trim() !== '') yield rest;
}


import type { Socket } from 'node:net';
import { LoglineError } from '../errors/errors.js';
import { unreachable, type Transport, type TransportResponse } from './transport.js';

/** A response head bigger than this is not the daemon's. */
const MAX_HEAD = 64 * 1024;

let net: Promise<typeof import('node:net')> | undefined;

/**
 * HTTP/1.1 to the daemon's unix socket, written out for the CLI: one connection per request (`connection: close`),
 * and a response body sized by content-length, chunked, or read to the end. A one-shot command that loads
 * node:http pays ~8 ms for its parser, agent and client modules, more than the request itself takes; this needs
 * node:net alone, and loads it on the first request (an in-process command never pays for it).
 */
export function socketTransport(socketPath: string): Transport {
  return {
    async request(method, path, opts = {}) {
      const { connect } = await (net ??= import('node:net'));
      const socket = connect(socketPath);
      const head = [`${method} ${path} HTTP/1.1`, 'host: logline', 'connection: close'];
      for (const [k, v] of Object.entries(opts.headers ?? {})) head.push(`${k}: ${v}`);
      if (opts.body !== undefined) head.push(`content-length: ${Buffer.byteLength(opts.body)}`);
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      if (opts.body !== undefined) socket.write(opts.body);
      return readResponse(socket, socketPath);
    },
    async close() {},
  };
}

function notHttp(why: string): LoglineError {
  return new LoglineError('API_ERROR', `the daemon's answer is not HTTP/1.1: ${why}`, { hint: 'is another program listening on the socket?' });
}

/** Reads the status line and headers; the body is left in the socket for `bodyOf`. */
function readResponse(socket: Socket, where: string): Promise<TransportResponse> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = () => {
      socket.off('data', onData).off('error', onError).off('end', onEnd);
      socket.pause();
    };
    const fail = (e: LoglineError) => {
      done();
      socket.destroy();
      reject(e);
    };
    const onError = (e: Error) => fail(unreachable(where, e));
    const onEnd = () => fail(notHttp('the connection closed before the answer'));
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD) fail(notHttp('no end of the headers'));
        return;
      }
      const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      if (!status) return fail(notHttp(JSON.stringify(statusLine.slice(0, 40))));
      const headers: Record<string, string | string[]> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon <= 0) return fail(notHttp(`header line ${JSON.stringify(line.slice(0, 40))}`));
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        const had = headers[name];
        headers[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
      }
      done();
      resolve({ status: Number(status[1]), headers, body: bodyOf(socket, buf.subarray(end + 4), headers) });
    };
    socket.on('data', onData).on('error', onError).on('end', onEnd);
  });
}

/** The body as it arrives; `destroy()` closes the connection (a stream the caller stops following). */
function bodyOf(socket: Socket, first: Buffer, headers: Record<string, string | string[]>): AsyncIterable<Buffer> & { destroy(): void } {
  const chunked = String(headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  async function* read(): AsyncGenerator<Buffer> {
    const source = socket[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let buf: Buffer = first;
    /** Appends what arrives next to `buf`; false at the end of the connection. */
    const more = async (): Promise<boolean> => {
      const next = await source.next();
      if (next.done) return false;
      buf = buf.length === 0 ? next.value : Buffer.concat([buf, next.value]);
      return true;
    };
    const cut = () => notHttp('the connection closed in the middle of the answer');
    try {
      if (!chunked) {
        let left = length ?? Infinity;
        for (;;) {
          if (buf.length > 0) {
            const part = buf.subarray(0, Math.min(buf.length, left));
            left -= part.length;
            buf = Buffer.alloc(0);
            yield part;
          }
          if (left <= 0) return;
          if (!(await more())) {
            if (length !== undefined) throw cut();
            return;
          }
        }
      }
      for (;;) {
        let eol: number;
        while ((eol = buf.indexOf('\r\n')) < 0) if (!(await more())) throw cut();
        const size = Number.parseInt(buf.subarray(0, eol).toString('latin1'), 16);
        if (!Number.isFinite(size) || size < 0) throw notHttp('a bad chunk size');
        buf = buf.subarray(eol + 2);
        if (size === 0) return; // the last chunk (a daemon sends no trailers)
        // the chunk's data as it arrives, then its CRLF
        for (let left = size; left > 0;) {
          if (buf.length === 0 && !(await more())) throw cut();
          const part = buf.subarray(0, Math.min(buf.length, left));
          left -= part.length;
          buf = buf.subarray(part.length);
          yield part;
        }
        while (buf.length < 2) if (!(await more())) throw cut();
        buf = buf.subarray(2);
      }
    } finally {
      socket.destroy();
    }
  }
  return Object.assign(read(), { destroy: () => socket.destroy() });
}

import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/cli.js';
import { socketTransport } from './socket-http.js';
import { readAll } from './transport.js';

/**
 * The CLI's HTTP/1.1 client against a unix-socket server that answers byte by byte as a test says: bodies sized
 * by content-length, chunked (cut at every awkward place) or read to the end, and answers that are not HTTP.
 */
describe('HTTP/1.1 over the daemon socket', () => {
  const t = tempDir();
  const socket = join(t.dir, 'test.sock');
  let server: Server;
  /** What the server received of the last request, and how it answers the next: pieces written apart. */
  let received = '';
  let answer: (c: Socket) => void = () => {};

  beforeAll(async () => {
    server = createServer((c) => {
      let got = '';
      c.on('data', (d) => {
        got += d.toString('latin1');
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(got.slice(0, end))?.[1] ?? 0);
        if (got.length < end + 4 + length) return;
        received = got;
        answer(c);
      });
    });
    await new Promise<void>((r) => server.listen(socket, r));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    t.cleanup();
  });

  /** Writes the pieces one event-loop turn apart, so the client sees them as separate reads. */
  const send = (pieces: string[], end = true) => (c: Socket) => {
    const next = (i: number) => {
      if (i === pieces.length) {
        if (end) c.end();
        return;
      }
      c.write(pieces[i], () => setTimeout(() => next(i + 1), 5));
    };
    next(0);
  };
  const get = async (path = '/x', opts = {}) => {
    const res = await socketTransport(socket).request('GET', path, opts);
    return { ...res, text: await readAll(res.body) };
  };

  it('sends the method, path, headers and body; reads a content-length body and the headers, lower-cased', async () => {
    answer = send(['HTTP/1.1 201 Created\r\nLogline-Version: 9.9.9\r\nContent-Length: 11\r\nX-Two: a\r\nx-two: b\r\n\r\nhello', ' world']);
    const res = await socketTransport(socket).request('POST', '/api/v1/spans?a=1', { body: '{"ü":1}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(201);
    expect(res.headers).toMatchObject({ 'logline-version': '9.9.9', 'x-two': ['a', 'b'] });
    expect(await readAll(res.body)).toBe('hello world');
    expect(received).toMatch(/^POST \/api\/v1\/spans\?a=1 HTTP\/1\.1\r\n/);
    expect(received).toContain('content-type: application/json\r\n');
    expect(received).toContain('content-length: 8\r\n'); // bytes, not characters
    expect(received.endsWith('\r\n\r\n{"\u00c3\u00bc":1}')).toBe(true); // the UTF-8 bytes, read back as latin1
  });

  it('decodes a chunked body cut anywhere: in the size line, in the data, in the CRLF after it', async () => {
    answer = send(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '5\r', '\nab', 'cde\r', '\n1', '0\r\n0123456789abcdef\r\n', '0\r\n\r\n']);
    const res = await get();
    expect(res.text).toBe('abcde0123456789abcdef');
  });

  it('reads a body without a length to the end of the connection; the head may come in pieces', async () => {
    answer = send(['HTTP/1.1 200', ' OK\r\nContent-Type: text/plain\r\n', '\r\nall ', 'of it']);
    expect((await get()).text).toBe('all of it');
  });

  it('a connection closed before its content-length or last chunk is an error, not a short body', async () => {
    answer = send(['HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly this']);
    await expect(get()).rejects.toMatchObject({ code: 'API_ERROR' });
    answer = send(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc']);
    await expect(get()).rejects.toMatchObject({ code: 'API_ERROR' });
  });

  it('refuses an answer that is not HTTP, or closed before its head', async () => {
    answer = send(['SSH-2.0-OpenSSH\r\n\r\n']);
    await expect(get()).rejects.toMatchObject({ code: 'API_ERROR', message: expect.stringContaining('SSH-2.0') });
    answer = send(['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n']);
    await expect(get()).rejects.toMatchObject({ code: 'API_ERROR' });
    answer = send(['HTTP/1.1 200 OK\r\n']);
    await expect(get()).rejects.toMatchObject({ code: 'API_ERROR', message: expect.stringContaining('closed before the answer') });
  });

  it('a stream the caller stops following is closed', async () => {
    let closed!: Promise<void>;
    answer = (c) => {
      closed = new Promise((r) => c.on('close', () => r()));
      c.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nline\r\n');
    };
    const res = await socketTransport(socket).request('GET', '/events');
    const body = res.body as AsyncIterable<Buffer> & { destroy(): void };
    for await (const chunk of body) {
      expect(chunk.toString()).toBe('line');
      break; // leaving the loop ends the generator, which closes the connection
    }
    await closed;
  });

  it('no daemon: DAEMON_UNREACHABLE with the cause, which tells the CLI to run in-process', async () => {
    await expect(socketTransport(join(t.dir, 'none.sock')).request('GET', '/healthz')).rejects.toMatchObject({ code: 'DAEMON_UNREACHABLE', details: { cause: 'ENOENT' } });
  });
});

/** Test harness only: JSON requests to a daemon's local API. */
import { request } from 'node:http';

export interface Reply {
  status: number;
  /** The parsed JSON body (tests read what they expect of it). */
  body: any;
}

/** A JSON request over the unix socket (the node's owner) or TCP with a bearer token. */
export function call(where: { socket: string } | { url: string; token: string }, method: string, path: string, body?: unknown): Promise<Reply> {
  const target = 'socket' in where ? { socketPath: where.socket } : { host: new URL(where.url).hostname, port: Number(new URL(where.url).port) };
  const headers: Record<string, string> = { 'content-type': 'application/json', ...('token' in where ? { authorization: `Bearer ${where.token}` } : {}) };
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

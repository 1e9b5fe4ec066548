import { gunzipSync } from 'node:zlib';
import { ROUTES } from '../api/routes.js';
import { LoglineError } from '../errors/errors.js';
import { ingestOtlp } from '../otel/ingest.js';
import { parseJson, readBody, sendJson } from './http.js';
import type { DaemonNode } from './node.js';
import type { Router } from './router.js';

/**
 * `POST /v1/traces`: OTLP/HTTP with JSON bodies (optionally gzip). The tenant is the token's (the node's default
 * tenant, or `?tenant=`, over the unix socket); the node's identity signs. Malformed requests get 400 and store
 * nothing, as the OTLP spec asks, the over-size body included.
 */
export function registerOtlp(router: Router, node: DaemonNode): void {
  router.register(ROUTES.otlpTraces, async ({ req, res, url, auth }) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      throw new LoglineError('UNSUPPORTED_MEDIA_TYPE', `content-type ${type || '(none)'} is not supported: OTLP/HTTP is taken with JSON bodies (application/json)`, { hint: 'set the exporter to http/json (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)' });
    }
    const limit = node.maxBody(auth);
    let body: Buffer;
    try {
      body = await readBody(req, limit);
      if ((req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') body = gunzipSync(body, { maxOutputLength: limit });
    } catch (e) {
      if (e instanceof LoglineError && e.code === 'BODY_TOO_LARGE') {
        req.resume();
        throw new LoglineError('BAD_OTLP', e.message, { hint: 'export smaller batches (maxExportBatchSize)' });
      }
      if (e instanceof LoglineError) throw e;
      throw new LoglineError('BAD_OTLP', `the gzip body does not decompress within ${limit} bytes: ${(e as Error).message}`);
    }
    const tenant = auth.kind === 'token' ? auth.tenant : node.home.tenant(url.searchParams.get('tenant') ?? undefined);
    const started = process.hrtime.bigint();
    const result = ingestOtlp(node.home, tenant, parseJson(body), node.home.signer());
    node.appended(result.spans, Number(process.hrtime.bigint() - started) / 1e9);
    sendJson(res, 200, { partialSuccess: {} });
  });
}

// First-party plugin: the `webhook` task type. Plain ESM, loaded by the plugin host without a build step; it
// reaches logline only through the host API (`host.v`, `host.error`), as a user plugin would.

/** Statuses worth another attempt besides 5xx: the receiver asked us to come back. */
const RETRYABLE = new Set([408, 425, 429]);
/** Bytes of the answer kept in an error message. */
const SNIPPET = 512;

/** @param {import('logline').PluginHost} host */
function register(host) {
  const { v } = host;
  host.taskType({
    name: 'webhook',
    description: 'POST JSON to a URL: {"url": "https://…", "body"?: any JSON, "headers"?: {…}, "method"?: "POST"|"PUT"|"PATCH"}',
    schema: v.strictObject({
      url: v.pipe(v.string(), v.url('not a URL'), v.regex(/^https?:\/\//i, 'only http and https URLs')),
      body: v.optional(v.unknown()),
      headers: v.optional(v.record(v.string(), v.string())),
      method: v.optional(v.picklist(['POST', 'PUT', 'PATCH'])),
    }),
    defaults: { maxAttempts: 5, backoffMs: 1000, backoffMaxMs: 5 * 60_000, timeoutMs: 30_000, onCrash: 'retry' },
    // 2xx succeeds; 5xx, 408, 429 and network errors are retried with backoff; other statuses fail at once (a
    // retry would get the same answer)
    async run(payload, ctx) {
      const { request } = await import('undici');
      const body = JSON.stringify(payload.body ?? { task: ctx.task.id, tenant: ctx.task.tenant, attempt: ctx.task.attempt, caused_by: ctx.task.causedBy });
      let res;
      try {
        res = await request(payload.url, {
          method: payload.method ?? 'POST', body, signal: ctx.signal,
          headers: { 'content-type': 'application/json', 'user-agent': 'logline-task', ...payload.headers },
        });
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        throw host.error('WEBHOOK_UNREACHABLE', `${payload.url}: ${e.code ?? e.name}: ${e.message}`, { hint: 'the request will be tried again' });
      }
      const text = (await res.body.text()).slice(0, SNIPPET);
      if (res.statusCode >= 200 && res.statusCode < 300) return { data: { status: res.statusCode } };
      const message = `${payload.url} answered HTTP ${res.statusCode}${text ? `: ${text}` : ''}`;
      if (res.statusCode >= 500 || RETRYABLE.has(res.statusCode)) {
        throw host.error('WEBHOOK_HTTP_ERROR', message, { hint: 'the request will be tried again', details: { status: res.statusCode } });
      }
      throw host.error('WEBHOOK_REJECTED', message, { hint: 'the receiver refused the request; retrying would not help', permanent: true });
    },
  });
}

export default { name: 'webhook', version: '1.0.0', register };

// A child process of daemon-load.mjs: holds many event-stream subscribers open on a daemon's unix socket, each a
// plain node:http request with its own socket (agent: false), and counts what each receives.
//   parent → { cmd: 'open', socket, tenants, count, first, concurrency, sampleEvery }
//            (subscriber i follows tenant `tenants[i % tenants.length]`)
//   child  → { type: 'opened', opened, failed, errors, ms }
//   parent → { cmd: 'expect', perTenant: { tenant: { count, sum } } }   (spans acknowledged to the writers, and the
//            sum of their numbers)
//   child  → { type: 'progress', complete, received } every second, then { type: 'done', … } when every
//            subscriber has them all, or when the parent sends { cmd: 'finish' }.
// A span event is recognised from its raw line (title "load <n> <hrtime of the send>"), without JSON.parse;
// every `sampleEvery`-th subscriber also records append → arrival latency (process.hrtime is CLOCK_MONOTONIC,
// so the writer's clock and ours agree).
import { request } from 'node:http';

const subs = [];
let expect = null;
let progressTimer;
const TITLE = /"title":"load (\d+) (\d+)"/;

function openOne(socketPath, tenant, index, sample) {
  const path = `/api/v1/events?tenant=${encodeURIComponent(tenant)}`;
  return new Promise((resolve) => {
    const s = { index, tenant, count: 0, sum: 0, closed: false, error: null, lat: sample ? [] : null, req: null };
    let rest = '';
    let opened = false;
    const req = request({ socketPath, path, agent: false, headers: { host: 'logline', accept: 'application/x-ndjson' } }, (res) => {
      if (res.statusCode !== 200) {
        s.error = `HTTP ${res.statusCode}`;
        res.resume();
        resolve(s);
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const t = process.hrtime.bigint();
        rest += chunk;
        let i;
        while ((i = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, i);
          rest = rest.slice(i + 1);
          if (!opened) {
            opened = true; // the hello event
            resolve(s);
            continue;
          }
          const m = TITLE.exec(line);
          if (!m) continue;
          s.count++;
          s.sum += Number(m[1]);
          if (s.lat) s.lat.push(Number(t - BigInt(m[2])) / 1e6);
        }
      });
      res.on('close', () => { s.closed = true; if (!opened) resolve(s); });
      res.on('error', (e) => { s.error ??= e.code ?? e.message; });
    });
    req.on('error', (e) => { s.error ??= e.code ?? e.message; s.closed = true; resolve(s); });
    req.end();
    s.req = req;
  });
}

function report(type, sent) {
  let complete = 0;
  let received = 0;
  let min = Infinity;
  let max = 0;
  let closed = 0;
  const errors = {};
  const lat = [];
  for (const s of subs) {
    received += s.count;
    min = Math.min(min, s.count);
    max = Math.max(max, s.count);
    const e = expect?.[s.tenant] ?? { count: 0, sum: 0 };
    if (expect && s.count === e.count && s.sum === e.sum) complete++;
    if (s.closed) closed++;
    if (s.error) errors[s.error] = (errors[s.error] ?? 0) + 1;
    if (type === 'done' && s.lat) lat.push(...s.lat);
  }
  const msg = { type, subscribers: subs.length, complete, received, min, max, closed, errors };
  if (type === 'done') {
    msg.lat = lat;
    const u = process.cpuUsage();
    msg.cpu = (u.user + u.system) / 1e6;
  }
  process.send(msg, sent);
  return msg;
}

process.on('message', async (m) => {
  if (m.cmd === 'open') {
    const t0 = process.hrtime.bigint();
    let next = 0;
    const worker = async () => {
      while (next < m.count) {
        const k = next++;
        const index = m.first + k;
        subs.push(await openOne(m.socket, m.tenants[index % m.tenants.length], index, index % m.sampleEvery === 0));
      }
    };
    await Promise.all(Array.from({ length: Math.min(m.concurrency, m.count) }, worker));
    const failed = subs.filter((s) => s.error || s.closed);
    const errors = {};
    for (const s of failed) errors[s.error ?? 'closed'] = (errors[s.error ?? 'closed'] ?? 0) + 1;
    process.send({ type: 'opened', opened: subs.length - failed.length, failed: failed.length, errors, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
  } else if (m.cmd === 'expect') {
    expect = m.perTenant;
    progressTimer = setInterval(() => {
      const r = report('progress');
      if (r.complete === subs.length) finish();
    }, 250);
  } else if (m.cmd === 'finish') {
    finish();
  }
});

let finished = false;
process.on('disconnect', () => { if (!finished) process.exit(0); }); // the parent is gone
function finish() {
  if (finished) return;
  finished = true;
  clearInterval(progressTimer);
  // a big message (the latency samples) is written in parts: leave only once it is all out
  report('done', () => {
    setTimeout(() => process.exit(0), 200).unref();
    process.disconnect();
  });
  for (const s of subs) s.req?.destroy();
}

/**
 * What `logline top` shows, sampled from the daemon (status, peers, /metrics) or, without one, from the store:
 * spans per second overall and per tenant, peers and their lag, API requests and errors, and every counter
 * the daemon exports (so that what other parts of the node count appears without a change here).
 */
import type { DaemonClient } from '../client/daemon.js';
import { connectDaemon } from '../client/connect.js';
import { localClient } from '../client/local.js';
import type { LoglineClient } from '../client/types.js';
import type { EngineStats } from '../engine/engine.js';
import type { Home } from '../node/home.js';
import type { TopSnapshot } from '../ui/top.js';

export type { TopSnapshot };

interface Series { name: string; labels: Record<string, string>; value: number }

/** Task run outcomes that are no error: a run that succeeded, was cancelled by a user, or was cut by a stop (and runs again). */
const NOT_ERRORS = new Set(['succeeded', 'cancelled', 'interrupted']);

export class TopSampler {
  private readonly home: Home;
  private daemon: DaemonClient | null = null;
  private local: LoglineClient | undefined;
  private previous: { at: number; spans: number; fired: number | undefined; tenants: Map<string, number> } | undefined;

  constructor(home: Home) {
    this.home = home;
  }

  async sample(): Promise<TopSnapshot> {
    this.daemon ??= await connectDaemon(this.home.paths.socket).catch(() => null);
    if (this.daemon) {
      try {
        return this.withRates(await this.fromDaemon(this.daemon));
      } catch {
        this.daemon = null; // it stopped meanwhile: show the store until it is back
      }
    }
    return this.withRates(await this.fromStore());
  }

  async close(): Promise<void> {
    await this.daemon?.close();
  }

  private async fromDaemon(d: DaemonClient): Promise<TopSnapshot> {
    const [status, peers, text] = await Promise.all([d.status(), d.peers(), d.metrics()]);
    const s = status as typeof status & { pid: number; state: string; uptimeSeconds: number; tasks: EngineStats | null };
    const series = parseMetrics(text);
    const sum = (name: string, keep: (labels: Record<string, string>) => boolean = () => true) =>
      series.filter((x) => x.name === name && keep(x.labels)).reduce((n, x) => n + x.value, 0);
    const metrics: Record<string, number> = {};
    for (const x of series) if (!x.name.endsWith('_bucket')) metrics[x.name] = (metrics[x.name] ?? 0) + x.value;
    const finished: Record<string, number> = {};
    for (const x of series) if (x.name === 'logline_tasks_finished_total') finished[x.labels.outcome] = (finished[x.labels.outcome] ?? 0) + x.value;
    const snap = {
      ...base(status.spans, status.tenants, peers),
      node: { running: true, state: s.state, pid: s.pid, version: status.version, uptimeSeconds: s.uptimeSeconds },
      api: { requests: sum('logline_api_requests_total'), errors: sum('logline_api_requests_total', (l) => Number(l.status) >= 400), subscribers: sum('logline_event_subscribers') },
      tasks: s.tasks && { concurrency: s.tasks.concurrency, running: s.tasks.running, queued: s.tasks.queued, schedules: s.tasks.schedules, finished },
      rules: { fired: sum('logline_reactions_total'), failed: sum('logline_reactions_total', (l) => l.outcome !== 'ok'), perSecond: null },
      metrics,
    };
    const failedRuns = Object.entries(finished).filter(([k]) => !NOT_ERRORS.has(k)).reduce((n, [, v]) => n + v, 0);
    const rejected = snap.peers.reduce((n, p) => n + p.rejected, 0);
    return { ...snap, errors: { api: snap.api.errors, tasks: failedRuns, rules: snap.rules.failed, sinks: sum('logline_plugin_sink_errors_total'), rejected } };
  }

  private async fromStore(): Promise<TopSnapshot> {
    this.local ??= localClient(this.home);
    const [status, peers] = await Promise.all([this.local.status(), this.local.peers()]);
    return {
      ...base(status.spans, status.tenants, peers), node: { running: false, state: 'stopped', pid: null, version: status.version, uptimeSeconds: null },
      api: null, tasks: null, rules: null, errors: null, metrics: {},
    };
  }

  private withRates(snap: TopSnapshot): TopSnapshot {
    const now = Date.now();
    const prev = this.previous;
    const secs = prev ? (now - prev.at) / 1000 : 0;
    const rate = (before: number | undefined, after: number) => (prev && secs > 0 ? Math.max(0, after - (before ?? 0)) / secs : null);
    snap.spansPerSecond = rate(prev?.spans, snap.spans);
    for (const t of snap.tenants) t.perSecond = rate(prev?.tenants.get(t.tenant), t.spans);
    if (snap.rules) snap.rules.perSecond = rate(prev?.fired, snap.rules.fired);
    this.previous = { at: now, spans: snap.spans, fired: snap.rules?.fired, tenants: new Map(snap.tenants.map((t) => [t.tenant, t.spans])) };
    return snap;
  }
}

function base(spans: number, tenants: { tenant: string; spans: number }[], peers: Awaited<ReturnType<LoglineClient['peers']>>): Pick<TopSnapshot, 'at' | 'spans' | 'spansPerSecond' | 'tenants' | 'peers'> {
  return {
    at: new Date().toISOString(),
    spans,
    spansPerSecond: null,
    tenants: tenants.map((t) => ({ tenant: t.tenant, spans: t.spans, perSecond: null })),
    peers: peers.map((p) => ({
      peer: p.peer,
      connected: p.connected,
      tenants: Object.keys(p.tenants),
      lag: Object.values(p.stats.need).reduce((a, b) => a + b, 0),
      sent: p.stats.sent,
      received: p.stats.received,
      rejected: Object.values(p.stats.rejected).reduce((a, b) => a + b, 0),
      forks: p.stats.forks,
      lastSync: p.stats.lastSync,
    })),
  };
}

/** Prometheus text exposition → series (comments and blank lines skipped). */
export function parseMetrics(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = Number(m[3]);
    if (Number.isFinite(value)) out.push({ name: m[1], labels, value });
  }
  return out;
}

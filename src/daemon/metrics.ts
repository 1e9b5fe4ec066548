/**
 * Prometheus text exposition of the node's counters, gauges and one latency histogram. Series may carry a
 * `tenant` label; a token-scoped scrape sees only its own tenant's series.
 */
type Labels = Record<string, string>;

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  series: Map<string, { labels: Labels; value: number; buckets?: number[]; sum?: number }>;
}

export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly gauges = new Map<string, () => number>();

  private family(name: string, help: string, type: Family['type']): Family {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, series: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name, help, 'counter');
    const key = JSON.stringify(labels);
    const s = f.series.get(key);
    if (s) s.value += by;
    else f.series.set(key, { labels, value: by });
  }

  observe(name: string, help: string, seconds: number, labels: Labels = {}): void {
    const f = this.family(name, help, 'histogram');
    const key = JSON.stringify(labels);
    let s = f.series.get(key);
    if (!s) {
      s = { labels, value: 0, buckets: LATENCY_BUCKETS.map(() => 0), sum: 0 };
      f.series.set(key, s);
    }
    s.value++;
    s.sum! += seconds;
    LATENCY_BUCKETS.forEach((b, i) => { if (seconds <= b) s!.buckets![i]++; });
  }

  /** A gauge read when scraped. */
  gauge(name: string, help: string, read: () => number): void {
    this.family(name, help, 'gauge');
    this.gauges.set(name, read);
  }

  render(onlyTenant?: string): string {
    const lines: string[] = [];
    for (const [name, f] of this.families) {
      const visible = [...f.series.values()].filter((s) => onlyTenant === undefined || s.labels.tenant === onlyTenant);
      const read = this.gauges.get(name);
      if (read && onlyTenant !== undefined) continue;
      if (!read && visible.length === 0) continue;
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      if (read) lines.push(`${name} ${read()}`);
      for (const s of visible) {
        if (f.type !== 'histogram') {
          lines.push(`${name}${fmt(s.labels)} ${s.value}`);
          continue;
        }
        LATENCY_BUCKETS.forEach((b, i) => lines.push(`${name}_bucket${fmt({ ...s.labels, le: String(b) })} ${s.buckets![i]}`));
        lines.push(`${name}_bucket${fmt({ ...s.labels, le: '+Inf' })} ${s.value}`, `${name}_sum${fmt(s.labels)} ${s.sum}`, `${name}_count${fmt(s.labels)} ${s.value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

function fmt(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

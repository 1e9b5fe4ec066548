/**
 * `logline top` on a terminal: the node's dashboard, redrawn every interval from the samples the command takes.
 * Presentational: it shows a TopSnapshot and knows nothing of where it comes from.
 */
import { Box, Text, render, useApp, useInput } from 'ink';
import { useEffect, useState, type ReactNode } from 'react';
import { shortPeer } from './colors.js';

export interface TopSnapshot {
  at: string;
  node: { running: boolean; state: string; pid: number | null; version: string; uptimeSeconds: number | null };
  spans: number;
  /** Null on the first sample (a rate needs two). */
  spansPerSecond: number | null;
  tenants: { tenant: string; spans: number; perSecond: number | null }[];
  peers: { peer: string; connected: boolean; tenants: string[]; lag: number; sent: number; received: number; rejected: number; forks: number; lastSync: string | null }[];
  /** From the daemon's metrics; null without a daemon. */
  api: { requests: number; errors: number; subscribers: number } | null;
  /** The task engine: running and queued now, and runs finished since the daemon started, by outcome; null without a daemon. */
  tasks: { concurrency: number; running: number; queued: number; schedules: number; finished: Record<string, number> } | null;
  /** Reaction rules fired since the daemon started, and those whose action failed; null without a daemon. */
  rules: { fired: number; failed: number; perSecond: number | null } | null;
  /** What went wrong since the daemon started: API answers >= 400, task runs that did not succeed, rule actions
   * and span sinks that failed, spans peers sent that were rejected. Null without a daemon. */
  errors: { api: number; tasks: number; rules: number; sinks: number; rejected: number } | null;
  /** Every metric family summed over its labels (histogram buckets left out); empty without a daemon. */
  metrics: Record<string, number>;
}

export interface TopInit {
  sample: () => Promise<TopSnapshot>;
  intervalMs: number;
}

/** Draws until q, Esc or Ctrl-C. */
export async function runTop(init: TopInit): Promise<void> {
  const app = render(<Top {...init} />, { exitOnCtrlC: true });
  await app.waitUntilExit();
}

function Top({ sample, intervalMs }: TopInit) {
  const { exit } = useApp();
  const [snap, setSnap] = useState<TopSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);

  useInput((input, key) => {
    if (input === 'q' || key.escape) exit();
  });

  useEffect(() => {
    let live = true;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      try {
        const s = await sample();
        if (live) { setSnap(s); setError(null); }
      } catch (e) {
        if (live) setError((e as Error).message);
      }
      if (live) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => { live = false; clearTimeout(timer); };
  }, []);

  if (!snap) return <Text dimColor>{error ?? 'sampling…'}</Text>;
  const n = snap.node;
  return (
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Text>
          <Text bold>logline top</Text>  {n.running ? <Text color="green">{n.state}</Text> : <Text color="yellow">daemon stopped</Text>}
          <Text dimColor>{n.running ? ` pid ${n.pid} · up ${uptime(n.uptimeSeconds ?? 0)}` : ' · the store only'} · logline {n.version} · {snap.at.slice(11, 19)}</Text>
        </Text>
        <Text dimColor>q to quit</Text>
      </Box>
      {error ? <Text color="red">{error}</Text> : null}
      <Text>
        spans <Text bold>{snap.spans.toLocaleString('en-US')}</Text>  <Text color="cyan">{rate(snap.spansPerSecond)}/s</Text>
      </Text>
      <Section title="TENANTS">
        {snap.tenants.map((t) => (
          <Text key={t.tenant}>{t.tenant.padEnd(24)} {String(t.spans).padStart(10)}  {rate(t.perSecond).padStart(8)}/s</Text>
        ))}
      </Section>
      <Section title="PEERS">
        {snap.peers.length === 0 ? <Text dimColor>none</Text> : null}
        {snap.peers.map((p) => (
          <Text key={p.peer}>
            {shortPeer(p.peer).padEnd(16)} {p.connected ? <Text color="green">connected</Text> : <Text color="gray">offline  </Text>}
            {'  '}{(p.tenants.join(',') || '-').padEnd(16)} lag <Text color={p.lag > 0 ? 'yellow' : undefined}>{p.lag}</Text>  sent {p.sent}  received {p.received}
            {'  '}rejected <Text color={p.rejected > 0 ? 'red' : undefined}>{p.rejected}</Text>  <Text dimColor>last sync {p.lastSync?.slice(11, 19) ?? 'never'}</Text>
          </Text>
        ))}
      </Section>
      {snap.tasks ? (
        <Section title="TASKS">
          <Text>{snap.tasks.running} running of {snap.tasks.concurrency}  {snap.tasks.queued} queued  {snap.tasks.schedules} schedules  <Text dimColor>finished: {outcomes(snap.tasks.finished)}</Text></Text>
        </Section>
      ) : null}
      {snap.rules ? (
        <Section title="RULES">
          <Text>{snap.rules.fired} fired  <Text color="cyan">{rate(snap.rules.perSecond)}/s</Text>  <Text color={snap.rules.failed > 0 ? 'red' : undefined}>{snap.rules.failed} failed</Text></Text>
        </Section>
      ) : null}
      {snap.api ? (
        <Section title="API">
          <Text>{snap.api.requests} requests  <Text color={snap.api.errors > 0 ? 'red' : undefined}>{snap.api.errors} errors</Text>  {snap.api.subscribers} event streams</Text>
        </Section>
      ) : null}
      {snap.errors ? (
        <Section title="ERRORS">
          <Text>
            {Object.entries(snap.errors).map(([k, n]) => <Text key={k} color={n > 0 ? 'red' : undefined}>{k} {n}  </Text>)}
          </Text>
        </Section>
      ) : null}
      {Object.keys(snap.metrics).length > 0 ? (
        <Section title="METRICS">
          {Object.entries(snap.metrics).map(([name, value]) => <Text key={name} dimColor>{name.padEnd(40)} {Number(value.toFixed(3))}</Text>)}
        </Section>
      ) : null}
    </Box>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold dimColor>{title}</Text>
      {children}
    </Box>
  );
}

/** `3 succeeded, 1 failed` (none: `none`). */
function outcomes(finished: Record<string, number>): string {
  return Object.entries(finished).map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
}

function rate(r: number | null): string {
  return r === null ? '-' : r.toFixed(1);
}

function uptime(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

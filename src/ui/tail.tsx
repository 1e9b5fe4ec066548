/**
 * `logline tail -f` on a terminal: spans scroll by as they commit, coloured by status, above a status line
 * that tells what is followed, how many arrived and how fast. Presentational: the command feeds it spans.
 */
import { Box, Static, Text, render, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';
import type { Span } from '../timeline/span.js';
import { STATUS_COLORS, shortPeer } from './colors.js';

export interface TailItem {
  span: Span;
  /** The peer it was replicated from; null when it was written on this node. */
  from: string | null;
}

export interface TailInit {
  initial: TailItem[];
  spans: AsyncIterable<TailItem>;
  /** Aborted when the view closes (q, Esc or Ctrl-C). */
  stop: AbortController;
  via: 'daemon' | 'local';
  /** The filters in words. */
  filters: string;
  /** Show each span's tenant (when following more than one). */
  showTenant: boolean;
}

/** Draws until the user quits or the stream ends. */
export async function runTail(init: TailInit): Promise<void> {
  const app = render(<Tail {...init} />, { exitOnCtrlC: true });
  try {
    await app.waitUntilExit();
  } finally {
    init.stop.abort();
  }
}

/** New spans are drawn in batches: at most this often, however fast they arrive. */
const FLUSH_MS = 50;

function Tail({ initial, spans, stop, via, filters, showTenant }: TailInit) {
  const { exit } = useApp();
  // Each batch is a fresh <Static> (a new key) holding only that batch: what has been drawn is not kept.
  const [batch, setBatch] = useState(() => ({ gen: 0, items: initial }));
  const [arrived, setArrived] = useState(0);
  const [started] = useState(() => Date.now());
  const [, setTick] = useState(0);

  useInput((input, key) => {
    if (input === 'q' || key.escape) exit();
  });

  useEffect(() => {
    let pending: TailItem[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const items = pending;
      pending = [];
      setBatch((b) => ({ gen: b.gen + 1, items }));
      setArrived((n) => n + items.length);
    };
    const flusher = setInterval(flush, FLUSH_MS);
    const clock = setInterval(() => setTick((t) => t + 1), 1000);
    void (async () => {
      for await (const item of spans) pending.push(item);
      flush();
      if (!stop.signal.aborted) exit();
    })().catch((e: unknown) => exit(e as Error));
    return () => {
      clearInterval(flusher);
      clearInterval(clock);
    };
  }, []);

  const secs = Math.max(1, (Date.now() - started) / 1000);
  return (
    <>
      <Static key={batch.gen} items={batch.items}>{(item, i) => <SpanLine key={i} {...item} showTenant={showTenant} />}</Static>
      <Box borderStyle="single" borderTop borderBottom={false} borderLeft={false} borderRight={false} paddingX={1}>
        <Text>
          <Text bold>following</Text> {filters} <Text dimColor>· via {via} · </Text>
          {arrived} new <Text dimColor>· {(arrived / secs).toFixed(1)}/s · q to quit</Text>
        </Text>
      </Box>
    </>
  );
}

function SpanLine({ span, from, showTenant }: TailItem & { showTenant: boolean }) {
  const tags = span.tags?.length ? ` ${span.tags.map((t) => `#${t}`).join(' ')}` : '';
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{span.ts}</Text>  <Text color="yellow">{span.id.slice(0, 12)}</Text>{'  '}
      <Text color={STATUS_COLORS[span.status] ?? 'white'}>{span.status.padEnd(9)}</Text> {span.title}
      <Text color="magenta">{tags}</Text>
      {showTenant ? <Text dimColor> [{span.tenant}]</Text> : null}
      {from ? <Text color="gray"> {'<-'} {shortPeer(from)}</Text> : null}
    </Text>
  );
}

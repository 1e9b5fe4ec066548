/**
 * Progress bars for long commands (import, export, verify, sync): count, rate and ETA on one line of stderr,
 * redrawn in place. Only on a terminal's stderr and without `--quiet`: piped or quiet, nothing is written.
 */

/** Redraws at most this often (a bar updated per span must not cost a write per span). */
const REDRAW_MS = 100;
const BAR_WIDTH = 20;

export interface ProgressState {
  label: string;
  done: number;
  /** Known total, in the same unit as `done`. */
  total?: number;
  /** Share done in [0, 1] when it is measured in another unit than `done` (bytes read of a file of lines). */
  fraction?: number;
  unit: string;
  elapsedMs: number;
}

export interface ProgressInit {
  label: string;
  total?: number;
  /** What is counted, plural (default "spans"). */
  unit?: string;
  /** Where to draw; nothing is drawn when it is not a TTY. */
  stream?: NodeJS.WriteStream;
  /** False for `--quiet`. */
  enabled?: boolean;
  now?: () => number;
}

export class Progress {
  readonly active: boolean;
  private readonly stream: NodeJS.WriteStream;
  private readonly now: () => number;
  private readonly started: number;
  private readonly state: Omit<ProgressState, 'elapsedMs'>;
  private drawnAt = -Infinity;
  private shown = false;

  constructor(init: ProgressInit) {
    this.stream = init.stream ?? process.stderr;
    this.active = init.enabled !== false && this.stream.isTTY === true;
    this.now = init.now ?? Date.now;
    this.started = this.now();
    this.state = { label: init.label, done: 0, total: init.total, unit: init.unit ?? 'spans' };
  }

  /** Sets the count (and the total or the fraction when they become known); redraws when due. */
  update(done: number, more: { total?: number; fraction?: number } = {}): void {
    // a newly known total and the last step are drawn at once: a short run still shows its bar, and ends full
    const news = more.total !== undefined && more.total !== this.state.total;
    this.state.done = done;
    if (more.total !== undefined) this.state.total = more.total;
    if (more.fraction !== undefined) this.state.fraction = more.fraction;
    const finished = this.state.total !== undefined && done >= this.state.total;
    this.draw(news || finished);
  }

  add(n = 1): void {
    this.update(this.state.done + n);
  }

  /** Seconds since the bar was made. */
  get seconds(): number {
    return (this.now() - this.started) / 1000;
  }

  /** Clears the line so that whatever is written next starts clean; a later update draws again. */
  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
    this.drawnAt = -Infinity;
  }

  private draw(now = false): void {
    if (!this.active) return;
    const t = this.now();
    if (!now && t - this.drawnAt < REDRAW_MS) return;
    this.drawnAt = t;
    const line = renderProgress({ ...this.state, elapsedMs: t - this.started });
    const width = (this.stream.columns ?? 80) - 1;
    this.stream.write(`\r\x1b[2K${line.length > width ? line.slice(0, width) : line}`);
    this.shown = true;
  }
}

/** One line: `label  ████░░░░  42%  4,200/10,000 spans  3,100/s  eta 2s` (no bar, % or ETA without a total). */
export function renderProgress(s: ProgressState): string {
  const secs = s.elapsedMs / 1000;
  const rate = secs > 0 ? s.done / secs : 0;
  const fraction = s.fraction ?? (s.total ? Math.min(1, s.done / s.total) : undefined);
  const parts = [s.label];
  if (fraction !== undefined) {
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`, `${Math.floor(fraction * 100)}%`.padStart(4));
  }
  parts.push(s.total !== undefined && s.fraction === undefined ? `${count(s.done)}/${count(s.total)} ${s.unit}` : `${count(s.done)} ${s.unit}`);
  parts.push(`${count(Math.round(rate))}/s`);
  if (fraction !== undefined && fraction > 0 && fraction < 1) parts.push(`eta ${duration((secs * (1 - fraction)) / fraction)}`);
  else parts.push(duration(secs));
  return parts.join('  ');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** 7s, 2m05s, 1h04m. */
export function duration(secs: number): string {
  const s = Math.ceil(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

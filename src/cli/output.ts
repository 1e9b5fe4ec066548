import { isLoglineError } from '../errors/errors.js';

export interface OutputInit {
  json: boolean;
  quiet: boolean;
  color: boolean;
}

/** The one writer to stdout and stderr: stdout carries only the result, stderr everything else. */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly color: boolean;
  private progressShown = false;

  constructor(init: OutputInit) {
    this.json = init.json;
    this.quiet = init.quiet;
    this.color = init.color;
  }

  /** A line of the result on stdout. */
  line(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  /** The result as JSON (used for `--json`). */
  data(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A note for people, on stderr; silenced by `--quiet`. */
  info(text: string): void {
    if (!this.quiet) this.err(text);
  }

  warn(text: string): void {
    this.err(`${this.paint('33', 'warning:')} ${text}`);
  }

  /** A progress line on a terminal's stderr, redrawn in place; nothing when piped or quiet. */
  progress(label: string, done: number, total: number | undefined, startedAt: number): void {
    if (this.quiet || !process.stderr.isTTY) return;
    const secs = (Date.now() - startedAt) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    const eta = total && rate > 0 ? ` eta ${Math.ceil((total - done) / rate)}s` : '';
    const count = total ? `${done}/${total} (${Math.floor((done / total) * 100)}%)` : `${done}`;
    process.stderr.write(`\r\x1b[2K${label} ${count} ${rate}/s${eta}`);
    this.progressShown = true;
  }

  endProgress(): void {
    if (this.progressShown) process.stderr.write('\r\x1b[2K');
    this.progressShown = false;
  }

  /** `logline: CODE: message` then the hint; with `--json`, the error envelope on stdout. */
  error(e: unknown): void {
    this.endProgress();
    if (isLoglineError(e)) {
      if (this.json) this.data({ error: e.toJSON() });
      this.err(`logline: ${this.paint('31', e.code)}: ${e.message}`);
      if (e.hint) this.err(`${this.paint('2', 'hint:')} ${e.hint}`);
    } else {
      const err = e as Error;
      if (this.json) this.data({ error: { code: 'INTERNAL', message: String(err?.message ?? err) } });
      this.err(`logline: INTERNAL: ${err?.stack ?? String(err)}`);
      this.err('hint: this is a bug in logline; please report it with the command you ran');
    }
  }

  paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  private err(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}

import { isLoglineError } from '../errors/errors.js';
import { Progress } from './progress.js';

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
  private bar: Progress | undefined;

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

  /**
   * A progress bar (count, rate, ETA) on stderr, drawn only when stderr is a terminal and without `--quiet`.
   * Notes and errors clear it before they are written; `endProgress()` clears it for good.
   */
  progress(label: string, init: { total?: number; unit?: string } = {}): Progress {
    this.bar?.clear();
    this.bar = new Progress({ label, ...init, enabled: !this.quiet });
    return this.bar;
  }

  endProgress(): void {
    this.bar?.clear();
    this.bar = undefined;
  }

  /** `logline: CODE: message` then the hint; with `--json`, the error envelope on stdout. */
  error(e: unknown): void {
    this.endProgress();
    if (isLoglineError(e)) {
      if (this.json) this.data({ error: e.toJSON() });
      this.err(`logline: ${this.paint('31', e.code)}: ${e.message}`);
      // a batch names its bad lines (the first few; --json has them all)
      const lines = Array.isArray(e.details?.lines) ? e.details.lines as { line: number; code: string; message: string }[] : [];
      for (const l of lines.slice(0, 5)) this.err(`  line ${l.line}: ${l.code}: ${l.message}`);
      if (lines.length > 5) this.err(`  … and ${lines.length - 5} more`);
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
    this.bar?.clear();
    process.stderr.write(`${text}\n`);
  }
}

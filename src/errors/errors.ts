/**
 * One error class for the whole product, after Hypercore and npm/cli: a stable UPPER_SNAKE `code`,
 * a human `hint`, and the process exit code the CLI uses. On the wire it is
 * `{"error":{"code","message","hint"}}`.
 */
export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, DAEMON_UNREACHABLE: 3 } as const;

export interface LoglineErrorJSON {
  code: string;
  message: string;
  hint?: string;
}

export class LoglineError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;
  /** Extra facts for `--json` output and API errors (never secrets). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, opts: { hint?: string; exitCode?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LoglineError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? EXIT.ERROR;
    this.details = opts.details;
  }

  toJSON(): LoglineErrorJSON {
    const out: LoglineErrorJSON = { code: this.code, message: this.message };
    if (this.hint !== undefined) out.hint = this.hint;
    return out;
  }

  static usage(code: string, message: string, hint?: string): LoglineError {
    return new LoglineError(code, message, { hint, exitCode: EXIT.USAGE });
  }
}

export function isLoglineError(e: unknown): e is LoglineError {
  return e instanceof LoglineError;
}

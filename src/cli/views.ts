import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * Loads an ink view (`src/ui/<name>.tsx`, compiled to dist/ui/) by path, so that the bundler never follows it:
 * ink and react load only here, for a command whose stdout is a terminal, and `logline log` never pays for them.
 */
export async function loadView<T>(name: 'tail' | 'top' | 'init'): Promise<T> {
  return (await import(pathToFileURL(join(PACKAGE_ROOT, 'dist', 'ui', `${name}.js`)).href)) as T;
}

/** Whether a live view may be drawn: stdout is a terminal and the output is for people. */
export function canDrawView(json: boolean): boolean {
  return process.stdout.isTTY === true && !json && process.env.TERM !== 'dumb';
}

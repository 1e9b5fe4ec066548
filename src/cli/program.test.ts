import { describe, expect, it } from 'vitest';
import { buildProgram, invokedCommand } from './program.js';

const argv = (...a: string[]) => ['node', 'logline', ...a];

describe('registering only the invoked command', () => {
  it('finds the command after global options and their values', () => {
    expect(invokedCommand(argv('log', 'hello'))).toBe('log');
    expect(invokedCommand(argv('--home', 'log', 'timeline'))).toBe('timeline');
    expect(invokedCommand(argv('--json', '--tenant', 'run', 'search', 'x'))).toBe('search');
    expect(invokedCommand(argv('--passphrase-file', 'f', '-q', 'node', 'start'))).toBe('node');
  });

  it('builds the whole tree for help, unknown words and no command', () => {
    for (const a of [argv('log', '--help'), argv('help', 'log'), argv('-h'), argv('frobnicate'), argv(), argv('--', 'log'), argv('--version')]) {
      expect(invokedCommand(a), a.join(' ')).toBeUndefined();
    }
    expect(buildProgram().commands.map((c) => c.name())).toEqual(['export', 'id', 'import', 'init', 'log', 'member', 'node', 'paths', 'peer', 'run', 'schedule', 'search', 'span', 'sync', 'task', 'tenant', 'timeline', 'token', 'verify', 'version']);
    expect(buildProgram('log').commands.map((c) => c.name())).toEqual(['log']);
  });

  it('every command and flag has help text', () => {
    const walk = (cmd: ReturnType<typeof buildProgram>): void => {
      for (const sub of cmd.commands) {
        expect(sub.description(), sub.name()).not.toBe('');
        for (const opt of sub.options) expect(opt.description, `${sub.name()} ${opt.flags}`).not.toBe('');
        walk(sub);
      }
    };
    walk(buildProgram());
  });
});

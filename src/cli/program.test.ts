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

  it('builds the whole tree for help, unknown words and no command', async () => {
    for (const a of [argv('log', '--help'), argv('help', 'log'), argv('-h'), argv('frobnicate'), argv(), argv('--', 'log'), argv('--version')]) {
      expect(invokedCommand(a), a.join(' ')).toBeUndefined();
    }
    expect((await buildProgram()).commands.map((c) => c.name())).toEqual(['backup', 'completion', 'config', 'doctor', 'export', 'id', 'import', 'init', 'invite', 'join', 'log', 'member', 'node', 'paths', 'peer', 'plugin', 'restore', 'rules', 'run', 'schedule', 'search', 'span', 'sync', 'tail', 'task', 'tenant', 'timeline', 'token', 'top', 'verify', 'version']);
    expect((await buildProgram('log')).commands.map((c) => c.name())).toEqual(['log']);
  });
});

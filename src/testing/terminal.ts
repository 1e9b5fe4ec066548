/** Test harness only: a real terminal (a private tmux server) for the ink views. */
import { spawnSync } from 'node:child_process';
import { BIN, cliEnv } from './cli.js';

export const hasTmux = spawnSync('sh', ['-c', 'command -v tmux']).status === 0;

/** A private tmux server: the views run in a real terminal of a known size. */
export function terminal(name: string) {
  const socket = `logline-test-${process.pid}-${name}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  return {
    start(command: string[]) {
      // CI mode makes ink draw only its last frame, and NO_COLOR (set by the harness) would hide the colours
      const env = Object.entries(cliEnv()).filter(([k]) => !['CI', 'NO_COLOR', 'TMUX'].includes(k));
      const line = ['env', '-i', ...env.map(([k, v]) => `${k}=${v}`), process.execPath, BIN, ...command].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
      const r = tmux('new-session', '-d', '-x', '120', '-y', '30', `${line}; echo "exited with $?"; sleep 30`);
      if (r.status !== 0) throw new Error(r.stderr);
    },
    screen: (colours = false) => tmux('capture-pane', '-p', ...(colours ? ['-e'] : [])).stdout,
    keys: (...keys: string[]) => tmux('send-keys', ...keys),
    async waitFor(text: string, colours = false): Promise<string> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const screen = this.screen(colours);
        if (screen.includes(text)) return screen;
        if (Date.now() > deadline) throw new Error(`no "${text}" on the screen:\n${screen}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => tmux('kill-server'),
  };
}


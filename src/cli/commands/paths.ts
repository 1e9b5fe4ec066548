import type { Command } from 'commander';
import { contextOf } from '../context.js';

export default function register(program: Command): void {
  program
    .command('paths')
    .description('print the folders and files this home uses (config, data, state, runtime)')
    .action((_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const p = ctx.rawHome().paths;
      const rows = { home: p.home, config: p.config, data: p.data, state: p.state, runtime: p.runtime, configFile: p.configFile, keys: p.keys, db: p.db, log: p.log, socket: p.socket };
      if (ctx.out.json) return ctx.out.data(rows);
      for (const [k, v] of Object.entries(rows)) if (v !== null) ctx.out.line(`${k.padEnd(11)} ${v}`);
    });
}

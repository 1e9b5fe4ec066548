import type { Command } from 'commander';
import { API_VERSION } from '../../api/types.js';
import { VERSION } from '../../version.js';
import { contextOf } from '../context.js';

export default function register(program: Command): void {
  program
    .command('version')
    .description('print the version of logline, its API and span format, and Node')
    .action((_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const info = { version: VERSION, api: API_VERSION, spanFormat: 1, node: process.versions.node };
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(`logline ${VERSION} (api v${API_VERSION}, span format v1, node ${process.versions.node})`);
    });
}

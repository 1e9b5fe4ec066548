import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { addFilterOptions, filtersFromFlags, type FilterFlags } from '../filter-flags.js';
import { printPage } from './timeline.js';

export default function register(program: Command): void {
  addFilterOptions(
    program
      .command('search')
      .description('full-text search over titles and data (every word must match), newest first')
      .argument('<text...>', 'words to look for'),
  )
    .option('--ndjson', 'print one span per line as JSON')
    .action(async (words: string[], flags: FilterFlags & { ndjson?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      await printPage(ctx, { ...filtersFromFlags(ctx, flags), text: words.join(' ') }, flags.ndjson === true);
    });
}

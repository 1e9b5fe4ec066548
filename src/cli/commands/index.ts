import type { Command } from 'commander';
import exportCmd from './export.js';
import id from './id.js';
import importCmd from './import.js';
import init from './init.js';
import log from './log.js';
import node from './node.js';
import paths from './paths.js';
import run from './run.js';
import search from './search.js';
import span from './span.js';
import timeline from './timeline.js';
import token from './token.js';
import verify from './verify.js';
import version from './version.js';

/** Every command, sorted by name: one file per noun. */
export const COMMANDS: readonly ((program: Command) => void)[] = [
  exportCmd, id, importCmd, init, log, node, paths, run, search, span, timeline, token, verify, version,
];

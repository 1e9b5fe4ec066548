import type { Command } from 'commander';
import exportCmd from './export.js';
import id from './id.js';
import importCmd from './import.js';
import init from './init.js';
import log from './log.js';
import member from './member.js';
import node from './node.js';
import paths from './paths.js';
import peer from './peer.js';
import run from './run.js';
import schedule from './schedule.js';
import search from './search.js';
import span from './span.js';
import sync from './sync.js';
import task from './task.js';
import tenant from './tenant.js';
import timeline from './timeline.js';
import token from './token.js';
import verify from './verify.js';
import version from './version.js';

/** Every command by name, sorted: one file per noun. */
export const COMMANDS: Readonly<Record<string, (program: Command) => void>> = {
  export: exportCmd, id, import: importCmd, init, log, member, node, paths, peer, run, schedule, search, span, sync, task, tenant, timeline,
  token, verify, version,
};

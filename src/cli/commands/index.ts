import type { Command } from 'commander';
import backup from './backup.js';
import completion from './completion.js';
import config from './config.js';
import doctor from './doctor.js';
import exportCmd from './export.js';
import id from './id.js';
import importCmd from './import.js';
import init from './init.js';
import invite from './invite.js';
import join from './join.js';
import log from './log.js';
import member from './member.js';
import node from './node.js';
import paths from './paths.js';
import restore from './restore.js';
import peer from './peer.js';
import plugin from './plugin.js';
import rules from './rules.js';
import run from './run.js';
import schedule from './schedule.js';
import search from './search.js';
import span from './span.js';
import sync from './sync.js';
import tail from './tail.js';
import task from './task.js';
import tenant from './tenant.js';
import timeline from './timeline.js';
import token from './token.js';
import top from './top.js';
import verify from './verify.js';
import version from './version.js';

/** Every command by name, sorted: one file per noun. */
export const COMMANDS: Readonly<Record<string, (program: Command) => void>> = {
  backup, completion, config, doctor, export: exportCmd, id, import: importCmd, init, invite, join, log, member, node, paths, peer, plugin, restore, rules,
  run, schedule, search, span, sync, tail, task, tenant, timeline, token, top, verify, version,
};

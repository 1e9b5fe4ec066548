import type { Command } from 'commander';

type Register = (program: Command) => void;
const lazy = (load: () => Promise<{ default: Register }>) => async () => (await load()).default;

/**
 * Every command by name, sorted: one file per noun. Loaded on demand: a command's modules (and what they
 * import, node:crypto among them) are evaluated only when it is registered, so `log` does not pay for `backup`.
 */
export const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  backup: lazy(() => import('./backup.js')),
  completion: lazy(() => import('./completion.js')),
  config: lazy(() => import('./config.js')),
  doctor: lazy(() => import('./doctor.js')),
  export: lazy(() => import('./export.js')),
  id: lazy(() => import('./id.js')),
  import: lazy(() => import('./import.js')),
  init: lazy(() => import('./init.js')),
  invite: lazy(() => import('./invite.js')),
  join: lazy(() => import('./join.js')),
  log: lazy(() => import('./log.js')),
  member: lazy(() => import('./member.js')),
  node: lazy(() => import('./node.js')),
  paths: lazy(() => import('./paths.js')),
  peer: lazy(() => import('./peer.js')),
  plugin: lazy(() => import('./plugin.js')),
  restore: lazy(() => import('./restore.js')),
  rules: lazy(() => import('./rules.js')),
  run: lazy(() => import('./run.js')),
  schedule: lazy(() => import('./schedule.js')),
  search: lazy(() => import('./search.js')),
  span: lazy(() => import('./span.js')),
  sync: lazy(() => import('./sync.js')),
  tail: lazy(() => import('./tail.js')),
  task: lazy(() => import('./task.js')),
  tenant: lazy(() => import('./tenant.js')),
  timeline: lazy(() => import('./timeline.js')),
  token: lazy(() => import('./token.js')),
  top: lazy(() => import('./top.js')),
  verify: lazy(() => import('./verify.js')),
  version: lazy(() => import('./version.js')),
};

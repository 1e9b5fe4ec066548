import { LoglineError } from '../../errors/errors.js';
import { taskError } from '../errors.js';
import { backup } from './backup.js';
import { emit } from './emit.js';
import { sync } from './sync.js';
import type { TaskType } from './type.js';

/** Built in: those that need the node's internals. webhook and exec are first-party plugins (plugins/). */
const BUILT_IN: readonly TaskType[] = [backup, emit, sync] as TaskType[];

/** The task types by name: the built-in ones, and those a plugin registers. */
const registry = new Map<string, TaskType>(BUILT_IN.map((t) => [t.name, t]));

/** Adds a task type (for plugins); a name that is taken fails loudly. */
export function registerTaskType(type: TaskType): void {
  if (registry.has(type.name)) throw new LoglineError('TASK_TYPE_EXISTS', `the task type ${type.name} is registered twice`);
  registry.set(type.name, type);
}

export function taskTypes(): TaskType[] {
  return [...registry.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The type of that name, or a usage error naming the `type` field. */
export function taskTypeOf(name: string): TaskType {
  const t = registry.get(name);
  if (!t) throw taskError('TASK_UNKNOWN_TYPE', `type: unknown task type "${name}"; known: ${[...registry.keys()].sort().join(', ')}`, { usage: true, details: { field: 'type' } });
  return t;
}

/** Whether tasks of that type run inline in the engine's cycle (an unknown type does not: it fails when launched). */
export function isInline(name: string): boolean {
  return registry.get(name)?.inline === true;
}

export type { RunContext, RunResult, TaskType } from './type.js';

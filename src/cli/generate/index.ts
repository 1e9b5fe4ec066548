/**
 * Everything generated from the command tree and the config table, by path in the package: the completions
 * in completions/ and the man pages in man/. `npm run generate` writes them; a test checks they are current.
 */
import type { Command } from 'commander';
import { VERSION } from '../../version.js';
import { bashCompletion } from './bash.js';
import { fishCompletion } from './fish.js';
import { manPages } from './man.js';
import { commandTree } from './tree.js';
import { zshCompletion } from './zsh.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Where each shell's script ships. */
export const COMPLETION_FILES: Record<Shell, string> = {
  bash: 'completions/logline.bash',
  zsh: 'completions/_logline',
  fish: 'completions/logline.fish',
};

/** The completion script of one shell for the whole tree (`program` built with every command). */
export function completionScript(program: Command, shell: Shell): string {
  const tree = commandTree(program);
  return { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion }[shell](tree);
}

export function generatedFiles(program: Command): Record<string, string> {
  const files: Record<string, string> = {};
  for (const shell of SHELLS) files[COMPLETION_FILES[shell]] = completionScript(program, shell);
  for (const [name, text] of Object.entries(manPages(commandTree(program), VERSION))) files[`man/${name}`] = text;
  return files;
}

/** The man pages as package.json "man" lists them. */
export function manList(files: Record<string, string>): string[] {
  return Object.keys(files).filter((p) => p.startsWith('man/')).map((p) => `./${p}`);
}

import { Argument, type Command } from 'commander';
import type * as Generate from '../generate/index.js';
import { contextOf } from '../context.js';

export default function register(program: Command): void {
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish (the same as in completions/)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', `
Install:
  bash  echo 'source <(logline completion bash)' >> ~/.bashrc
  zsh   logline completion zsh > "\${fpath[1]}/_logline"    (then restart zsh)
  fish  logline completion fish > ~/.config/fish/completions/logline.fish`)
    .action(async (shell: Generate.Shell, _opts, cmd: Command) => {
      // the whole tree, whatever this run registered; both modules are needed only here
      const { buildProgram } = await import('../program.js');
      const { completionScript } = await import('../generate/index.js');
      contextOf(cmd).out.line(completionScript(await buildProgram(), shell).replace(/\n$/, ''));
    });
}

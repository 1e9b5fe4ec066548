/** Entry point: picks the role from argv and hands off. */
import { run } from './cli/program.js';

// a reader that stops early (`logline timeline | head`, `--help | head`) closes the pipe: that is not an error
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

void run(process.argv).then((code) => {
  process.exitCode = code;
});

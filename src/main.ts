/** Entry point: picks the role from argv and hands off. */
import { run } from './cli/program.js';

void run(process.argv).then((code) => {
  process.exitCode = code;
});

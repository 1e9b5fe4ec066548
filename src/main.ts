/** Entry point: picks the role from argv and hands off. */
import { run } from './cli/program.js';

process.exitCode = await run(process.argv);

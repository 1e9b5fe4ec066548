// Writes V8's code cache of the CLI bundle (dist/cli-bundle/main.cjs.cache, see bin/logline) from a `logline log`
// in a temp home, so that the functions of the commonest command are in it from the first run on.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/logline', import.meta.url));
const cache = fileURLToPath(new URL('../dist/cli-bundle/main.cjs.cache', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'logline-code-cache-'));
const env = { ...process.env, LOGLINE_DAEMON: 'false', LOGLINE_LISTEN: 'off' };
try {
  const run = (...args) => spawnSync(process.execPath, [bin, '--home', home, ...args], { env, stdio: 'ignore' }).status;
  if (run('init', '--handle', 'cache', '--tenant', 'cache') === 0) {
    rmSync(cache, { force: true });
    run('log', 'code cache');
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

// Preloaded into a daemon by daemon-rss.mjs (NODE_OPTIONS="--require bench/daemon-probe.cjs" with BENCH_PROBE_DIR
// set), to tell where its memory goes. On SIGUSR2 it writes process.memoryUsage() and V8's heap statistics to
// $BENCH_PROBE_DIR/<pid>.json; when the file $BENCH_PROBE_DIR/gc exists it first runs a full GC (and writes the
// figures from before and after it). Nothing else changes in the daemon; without BENCH_PROBE_DIR it does nothing.
'use strict';
const { existsSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  process.on('SIGUSR2', () => {
    const out = { pid: process.pid, before: process.memoryUsage(), heap: v8.getHeapStatistics() };
    if (existsSync(join(dir, 'gc'))) {
      gc();
      out.after = process.memoryUsage();
      out.heapAfter = v8.getHeapStatistics();
    }
    const file = join(dir, `${process.pid}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(out));
    renameSync(`${file}.tmp`, file);
  });
}

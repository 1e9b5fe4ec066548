// Child of cold-start.mjs: in a fresh process, does what `logline log` does, step by step, through the
// unbundled dist/ modules, and prints the time of each step as JSON. Not a benchmark on its own.
//   node bench/startup-steps.mjs HOME
const t0 = performance.now(); // ms since the process started: node's own bootstrap
const steps = [];
let last = t0;
const mark = (what) => { const t = performance.now(); steps.push([what, t - last]); last = t; };
await import('commander'); mark('import commander');
await import('better-sqlite3'); mark('import better-sqlite3 (native addon)');
const { Home } = await import('../dist/node/home.js'); mark('import the core (dist/node/home.js and deps)');
const home = new Home({ home: process.argv[2] }); mark('new Home (paths, config file)');
home.requireInitialized(); mark('requireInitialized (keystore listing)');
const signer = home.signer(); mark('load the signing key');
const tenant = home.tenant();
const timeline = home.timeline; mark('open the db, check migrations');
await timeline.append([{ tenant, title: 'bench' }], signer); mark('append one span (sign, insert, commit)');
home.close(); mark('close the db (last connection: WAL checkpoint)');
process.stdout.write(JSON.stringify({ uptime: performance.now(), t0, steps }));

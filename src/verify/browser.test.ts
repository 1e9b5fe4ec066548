/**
 * The portable verifier in a real browser: headless Chromium (Debian's `chromium`, which .ci/run installs) loads
 * a test page that imports the built bundle `dist/browser/verify.js` as an ES module, runs every verifier case
 * (vectors, CLI spans, tampered copies) and writes the results into the DOM, which `--dump-dom` prints.
 * Skipped, saying why, only when no Chromium can be found. Run `npm run build` first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/cli.js';
import { cliExport, verifierCases } from '../testing/verify-fixtures.js';

const BUNDLE = fileURLToPath(new URL('../../dist/browser/verify.js', import.meta.url));

function findChromium(): string | null {
  for (const name of [process.env.LOGLINE_CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean) as string[]) {
    const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  }
  return null;
}

const CHROMIUM = findChromium();
if (!CHROMIUM) process.stderr.write('browser.test.ts: SKIPPED — no chromium found (apt-get install chromium; .ci/run installs it, or set LOGLINE_CHROMIUM)\n');

/** The page: the cases inline as JSON, a module script that imports the bundle and writes one JSON result. */
function page(casesJson: string): string {
  return `<!doctype html><meta charset="utf-8"><title>logline/verify</title>
<script type="application/json" id="cases">${casesJson.replace(/</g, '\\u003c')}</script>
<pre id="out">not run</pre>
<script type="module">
import * as v from './verify.js';
const out = document.getElementById('out');
try {
  const cases = JSON.parse(document.getElementById('cases').textContent);
  const results = cases.map((c) => {
    if (c.kind === 'span') { const r = v.verifySpan(c.span); return { name: c.name, codes: r.ok ? [] : [r.code] }; }
    return { name: c.name, codes: v.verifyChain(c.spans, { complete: c.complete }).findings.map((f) => f.code) };
  });
  out.textContent = JSON.stringify({ node: typeof process !== 'undefined' || typeof Buffer !== 'undefined', agent: navigator.userAgent, results });
} catch (e) {
  out.textContent = JSON.stringify({ error: String(e && e.stack || e) });
}
</script>`;
}

function serve(html: string): Promise<{ server: Server; url: string }> {
  const bundle = readFileSync(BUNDLE);
  const server = createServer((req, res) => {
    if (req.url === '/verify.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })));
}

/** `chromium --headless --dump-dom URL`, asynchronously: the page is served by this process. */
function dumpDom(chromium: string, url: string, profile: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(chromium, ['--headless', '--disable-gpu', '--no-sandbox', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--dump-dom', url],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('logline/verify in headless Chromium', () => {
  const cleanups: (() => void)[] = [];
  afterAll(() => cleanups.forEach((f) => f()));

  it.skipIf(!CHROMIUM)(`runs every verifier case in the browser with the same outcomes${CHROMIUM ? '' : ' (SKIPPED: no chromium found)'}`, async () => {
    const cases = verifierCases(cliExport());
    const { server, url } = await serve(page(JSON.stringify(cases)));
    cleanups.push(() => server.close());
    const profile = tempDir('logline-chromium-');
    cleanups.push(profile.cleanup);
    const r = await dumpDom(CHROMIUM!, url, profile.dir);
    const m = /<pre id="out">([^<]*)<\/pre>/.exec(r.stdout);
    expect(m, `chromium exited ${r.code}; stderr:\n${r.stderr.slice(-2000)}`).not.toBeNull();
    const text = m![1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const got = JSON.parse(text) as { error?: string; node: boolean; agent: string; results: { name: string; codes: string[] }[] };
    expect(got.error).toBeUndefined();
    expect(got.node).toBe(false);
    expect(got.agent).toMatch(/Chrome/);
    expect(got.results.map((x) => x.name)).toEqual(cases.map((c) => c.name));
    for (const [i, c] of cases.entries()) {
      const want = c.kind === 'span' ? (c.code === null ? [] : [c.code]) : c.codes;
      expect(got.results[i].codes, c.name).toEqual(want);
    }
    // both outcomes occur: valid spans pass and tampered ones fail, in the browser
    expect(got.results.filter((x) => x.codes.length === 0).length).toBeGreaterThan(5);
    expect(got.results.filter((x) => x.codes.length > 0).length).toBeGreaterThan(5);
  });
});

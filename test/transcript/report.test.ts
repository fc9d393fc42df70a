/**
 * `tshoot report`: Markdown and a self-contained HTML file. The HTML is opened in headless
 * Chromium (Debian `chromium`) to show that it renders offline: the DOM has the fix and the
 * flow's SVG, and what a host printed is text, never markup.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { scratch, type Scratch } from './helpers.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const STOPPED = 'flows/refused/sessions/nginx-stopped.ndjson';
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> & "quotes" \x1b[31mred\x1b[0m';

let tmp: string;
let s: Scratch;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tshoot-report-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (s) rmSync(s.dir, { recursive: true, force: true });
});

describe('tshoot report', () => {
  it('Markdown: outcome, target, hosts, each check with command and output, the path, the fix card', async () => {
    const r = await runCli(['report', STOPPED, '--format', 'md']);
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    expect(md).toMatch(/^# Connection refused — tshoot report/);
    expect(md).toContain('**Fix: The service is not running \\[start-service\\]**');
    expect(md).toContain('| target | `http://198.18.2.10/` |');
    expect(md).toContain('| server | `server` |');
    expect(md).toContain('`$ ss -ltnpe`');
    expect(md).toMatch(/## Checks[\s\S]*### 1\. Repeat the request from the client[\s\S]*Connection refused/);
    expect(md).toMatch(/## Path through the flow\n\n1\. `how` → `probe_http`/);
    expect(md).toContain('**Verify.**');
  });

  it('HTML: one self-contained file, host output escaped, the flow graph with the taken path', async () => {
    s = scratch({ printed: HOSTILE });
    const file = join(s.dir, 'session.ndjson');
    writeFileSync(join(s.dir, 'a.yaml'), 'go_on: yes\n');
    const run = await runCli(['run', 'counter', '--flows', s.flows, '--non-interactive', '--answers', join(s.dir, 'a.yaml'), '--transcript', file], { env: s.env });
    expect(run.code, run.stderr).toBe(0);
    const out = join(tmp, 'report.html');
    const r = await runCli(['report', file, '--flows', s.flows, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quotes&quot;');
    expect(html).not.toContain('\x1b');
    // Nothing to fetch: no external URL in any src/href, no @import.
    expect(html).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\((?!#)/);
    expect(html).toMatch(/<svg [^>]*class="flow"/);
    expect(html).toContain('class="edge taken"');
  });

  it.runIf(CHROMIUM || process.env.CI)('headless Chromium renders it: the DOM has the fix id, the SVG graph with the taken path, and no script ran', async () => {
    const out = join(tmp, 'stopped.html');
    expect((await runCli(['report', STOPPED, '-o', out])).code).toBe(0);
    const profile = mkdtempSync(join(tmpdir(), 'tshoot-chromium-'));
    try {
      const dom = execFileSync(
        CHROMIUM ?? 'chromium',
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom', `file://${out}`],
        { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
      );
      expect(dom).toContain('start-service');
      expect(dom).toMatch(/<svg[^>]*class="flow"/);
      expect(dom).toMatch(/class="node [a-z]+ taken last"/);
      expect(dom).toContain('class="edge taken"');
      expect(dom).toContain('id="fix-start-service"');
      const shot = join(tmp, 'stopped.png');
      execFileSync(
        CHROMIUM ?? 'chromium',
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, `--screenshot=${shot}`, '--window-size=1200,1600', `file://${out}`],
        { timeout: 60_000, stdio: 'ignore' },
      );
      // A PNG of some size: the page drew.
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      expect(readFileSync(shot).length).toBeGreaterThan(20_000);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('a malformed transcript → FILE:LINE, exit 2', async () => {
    const bad = join(tmp, 'bad.ndjson');
    writeFileSync(bad, readFileSync(join(ROOT, STOPPED), 'utf8').split('\n').slice(0, 2).join('\n') + '\n{oops\n');
    const r = await runCli(['report', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.ndjson:3: not JSON/);
  });
});

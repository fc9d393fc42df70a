import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/cli/diagnose.js';
import { runCli } from '../helpers/run-cli.js';

const seed = (name: string) => readFileSync(new URL(`../fixtures/seed/${name}`, import.meta.url), 'utf8').replace(/^\$.*\n/m, '');

describe('diagnose --error: the pasted text names the flow', () => {
  const cases: Array<[string, string, string | undefined]> = [
    [seed('curl-refused-ec2-1.txt'), 'refused', 'example:80'],
    [seed('nc-vz-refused-nc.txt'), 'refused', 'example:80'],
    [seed('nc-vz-refused-netcat.txt'), 'refused', 'example:80'],
    ['curl: (28) Failed to connect to web port 8080 after 130001 ms: Connection timed out', 'timeout', 'web:8080'],
    ['nc: connect to 10.1.0.5 port 5432 (tcp) timed out: Operation now in progress', 'timeout', '10.1.0.5:5432'],
    ['This site can’t be reached\nweb refused to connect.\nERR_CONNECTION_REFUSED', 'refused', undefined],
    ['This site can’t be reached\nweb took too long to respond.\nERR_CONNECTION_TIMED_OUT', 'timeout', undefined],
    ['Failed to connect to your instance\nError establishing SSH connection to your instance. Try again later.', 'console-connect', undefined],
    [seed('curl-404-body.txt'), 'not-found', undefined],
    ['curl: (6) Could not resolve host: nosuch.example', 'triage', undefined],
  ];
  for (const [text, flow, target] of cases) {
    it(`${text.split('\n')[0]!.slice(0, 70)} → ${flow}`, () => {
      const c = classifyError(text);
      expect(c?.flow).toBe(flow);
      expect(c?.target).toBe(target);
    });
  }

  it('text that names no symptom is a usage error, exit 2', async () => {
    const r = await runCli(['diagnose', '--error', 'it does not work', '--non-interactive']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot tell the symptom from that text');
  });

  it('without a target the flow needs one: --non-interactive → exit 4 naming the question "target"', async () => {
    const r = await runCli(['diagnose', '--error', 'ERR_CONNECTION_REFUSED', '--non-interactive', '--json']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ flow: 'refused', outcome: 'needs-input', question: { id: 'target' } });
  });

  it('diagnose with neither a target nor --error says what it needs', async () => {
    const r = await runCli(['diagnose', '--non-interactive']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('diagnose needs a TARGET');
  });
});

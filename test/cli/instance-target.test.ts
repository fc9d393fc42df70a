/**
 * An EC2 instance id as the target (issue 13, item 4): `--target i-…` is the instance's SSH
 * port, and `diagnose i-…` goes to console-connect (the flow that reads it with the AWS CLI),
 * not to triage's `nc` probe of a name that resolves nowhere.
 */
import { describe, expect, it } from 'vitest';
import { parseTarget, UsageError } from '../../src/cli/target.js';
import { runCli } from '../helpers/run-cli.js';

describe('an instance id as the target', () => {
  it('a bare id (17 or 8 hex digits) is the instance on port 22', () => {
    expect(parseTarget('i-0123456789abcdef0')).toEqual({ url: 'tcp://i-0123456789abcdef0:22', scheme: 'tcp', host: 'i-0123456789abcdef0', port: 22, path: '', loopback: false, given: true });
    expect(parseTarget('i-01234567').port).toBe(22);
    // With a port it is an ordinary HOST:PORT.
    expect(parseTarget('i-0123456789abcdef0:2222')).toMatchObject({ host: 'i-0123456789abcdef0', port: 2222 });
  });

  it('what is not an instance id still needs a port', () => {
    for (const s of ['i-0123456789abcdef', 'i-0123456789ABCDEF0', 'i-xyz', 'web1']) expect(() => parseTarget(s), s).toThrow(UsageError);
  });

  it('diagnose i-… runs console-connect (the AWS CLI here first; the server is asked only when a command needs it)', async () => {
    // No AWS configuration, no instance metadata: the AWS CLI fails here, contacting nothing.
    const env = { AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_PROFILE: '' };
    const r = await runCli(['diagnose', 'i-0123456789abcdef0', '--json', '--non-interactive', '--no-transcript'], { env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { end: { title: string } };
    expect(out).toMatchObject({ flow: 'console-connect', outcome: 'unresolved', questions: 0, commands: 1 });
    expect(out.end.title).toMatch(/AWS CLI/);
  }, 150_000);
});

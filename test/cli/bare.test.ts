/**
 * Bare `tshoot` skips commander (cli.ts fast path, issue 8): the options it passes must be
 * exactly what commander would have given the root command for no arguments.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { BARE_OPTIONS, sessionOptions } from '../../src/cli/cli.js';

describe('bare tshoot', () => {
  it('passes the options commander gives for no arguments', async () => {
    let seen: unknown;
    const program = sessionOptions(new Command('tshoot')).action((opts: unknown) => {
      seen = opts;
    });
    await program.parseAsync([], { from: 'user' });
    expect(BARE_OPTIONS).toEqual(seen);
  });
});

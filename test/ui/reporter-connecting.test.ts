/**
 * Issue 17: a host connected to ahead of its first command shows as a line beside the running
 * commands — until the warm-up ends, or a command on that role starts (its line is then the
 * command's) — and leaves no ✔/✖ line of its own; off a terminal it shows nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/engine/types.js';
import { createTerminalReporter, type ReporterOptions } from '../../src/ui/reporter.js';
import { makeStyle } from '../../src/ui/style.js';
import { FakeTTY } from './fake-tty.js';

let ora: ReporterOptions['ora'];
beforeAll(async () => {
  ora = (await import('ora')).default;
});

const SGR = /\x1b\[[0-9;]*m/g;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cmd = (id: string, title: string, role: Command['role'], argv: string[]): Command => ({ id, flow: 'refused', node: id, role, argv, timeoutMs: 5000, root: false, title });
const probe = cmd('probe_http', 'Repeat the request from the client', 'client', ['curl', '-sS', 'http://198.18.2.10/']);
const listeners = cmd('listeners', 'What listens on the server', 'server', ['ss', '-ltnp']);
const LINE = /server \(web1\) connecting over SSH before its first command/;

const reporter = (out: FakeTTY, over: Partial<ReporterOptions> = {}) =>
  createTerminalReporter({ out, style: makeStyle(false), mode: 'spinners', verbose: false, lang: 'en', dest: (r) => (r === 'client' ? 'local' : 'web1'), ora, boxen: null, card: false, ...over });

const deferred = () => {
  let done!: () => void;
  const p = new Promise<void>((r) => (done = r));
  return { p, done };
};

describe('the connecting line', () => {
  it('is drawn after the running probe while the warm-up runs, and is gone once it ends', async () => {
    const out = new FakeTTY({ columns: 100 });
    const r = reporter(out);
    const warm = deferred();
    r.connecting('server', 'web1', warm.p);
    r.commandsStart([probe], ['local']);
    await tick(200);
    const both = out.text.replace(SGR, '');
    expect(both).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Repeat the request from the client · client \(local\) \$ curl -sS http:\/\/198\.18\.2\.10\/ *\n[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] server \(web1\) connecting over SSH before its first command/);
    warm.done();
    await tick(50);
    const after = out.text.length;
    await tick(200);
    const redrawn = out.text.slice(after).replace(SGR, '');
    expect(redrawn).toContain('Repeat the request from the client');
    expect(redrawn).not.toMatch(LINE);
    r.stopAll();
    expect(out.text.replace(SGR, '')).not.toMatch(/[✔✖] server/);
  });

  it("a command on that role takes over: the line goes when the server's first command starts", async () => {
    const out = new FakeTTY({ columns: 100 });
    const r = reporter(out);
    r.connecting('server', 'web1', new Promise(() => {}));
    await tick(100);
    expect(out.text.replace(SGR, '')).toMatch(LINE);
    r.commandsStart([listeners], ['web1']);
    const after = out.text.length;
    await tick(200);
    const redrawn = out.text.slice(after).replace(SGR, '');
    expect(redrawn).toContain('What listens on the server · server (web1)');
    expect(redrawn).not.toMatch(LINE);
    r.stopAll();
  });

  it('off a terminal (plain lines): nothing', async () => {
    const out = new FakeTTY({ isTTY: false, columns: undefined });
    const r = reporter(out, { mode: 'lines', ora: null });
    r.connecting('server', 'web1', Promise.resolve());
    await tick(50);
    expect(out.text).toBe('');
  });
});

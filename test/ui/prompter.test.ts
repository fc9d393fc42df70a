/**
 * Prompts as the user sees them, each rendered with @inquirer/testing's `render()`: the hint
 * line, defaults, validation, the host question offering ssh aliases; then Ctrl-C and the
 * answers file.
 */
import { confirm, input, select } from '@inquirer/prompts';
import { render } from '@inquirer/testing';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Interrupted, NeedsInput } from '../../src/engine/ports.js';
import type { Question } from '../../src/engine/types.js';
import { AnswerError, createAnswersPrompter, createInquirerPrompter, hostSelect, OTHER, promptFor, toAnswer, type PromptCall } from '../../src/ui/prompter.js';
import { makeStyle } from '../../src/ui/style.js';

const style = makeStyle(false);

async function renderCall(pc: PromptCall) {
  const r = await (pc.kind === 'confirm' ? render(confirm, pc.config) : pc.kind === 'select' ? render(select, pc.config) : render(input, pc.config));
  // A prompt a test leaves unanswered is force-closed when the worker exits (inquirer's exit hook):
  // that rejection is expected, not an unhandled error of the run (the CI rehearsal failed on it).
  // A test that awaits the answer still sees its rejection.
  r.answer.catch(() => undefined);
  return r;
}

const q = (over: Partial<Question> & Pick<Question, 'input'>): Question => ({ id: 'q', flow: 'f', node: 'q', text: 'Question?', ...over });

describe('promptFor (rendered)', () => {
  it('select: the choices, the default highlighted, the help as a hint line', async () => {
    const question = q({
      input: 'select',
      text: 'Which service should answer?',
      help: 'systemctl list-units --type=service lists them',
      choices: [
        { value: 'nginx', label: 'nginx' },
        { value: 'apache2', label: 'Apache httpd' },
      ],
      default: 'apache2',
    });
    const { answer, events, getScreen } = await renderCall(promptFor(question, { style }));
    expect(getScreen()).toMatchInlineSnapshot(`
      "? Which service should answer?
        systemctl list-units --type=service lists them
        nginx
      ❯ Apache httpd

      ↑↓ navigate • ⏎ select"
    `);
    events.keypress('up');
    events.keypress('enter');
    expect(toAnswer(question, await answer)).toBe('nginx');
  });

  it('confirm: default no, the hint line above the (y/N)', async () => {
    const question = q({ input: 'confirm', text: 'Trust this host key?', help: 'compare with ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host', default: false });
    const { answer, events, getScreen } = await renderCall(promptFor(question, { style }));
    expect(getScreen()).toMatchInlineSnapshot(`
      "? Trust this host key?
        compare with ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host
        › (y/N)"
    `);
    events.keypress('enter');
    expect(await answer).toBe(false);
  });

  it('input: validation against the pattern says what is wrong and keeps asking; the answer is trimmed', async () => {
    const question = q({ input: 'input', text: 'Which service?', pattern: '[a-z0-9@._-]+', help: 'the unit name, as in systemctl status NAME' });
    const { answer, events, getScreen, nextRender } = await renderCall(promptFor(question, { style }));
    events.type('no spaces');
    events.keypress('enter');
    await nextRender();
    expect(getScreen()).toContain('must match /[a-z0-9@._-]+/; got "no spaces" (the unit name, as in systemctl status NAME)');
    for (let i = 0; i < 'no spaces'.length; i++) events.keypress('backspace');
    events.type(' nginx ');
    events.keypress('enter');
    expect(toAnswer(question, await answer)).toBe('nginx');
  });

  it('input: an empty answer takes the default', async () => {
    const question = q({ input: 'input', text: 'Port?', pattern: '[0-9]+', default: '80' });
    const { answer, events, getScreen } = await renderCall(promptFor(question, { style }));
    expect(getScreen()).toBe('? Port? (80)');
    events.keypress('enter');
    expect(await answer).toBe('80');
  });

  it('texts are sanitized: a label carrying escape sequences cannot draw on the screen', async () => {
    const question = q({ input: 'select', text: 'Pick \x1b]0;PWNED\x07one\x1b[2J', choices: [{ value: 'a', label: 'A\rB\x1b[31m' }] });
    const { getScreen } = await renderCall(promptFor(question, { style }));
    const raw = getScreen({ raw: true });
    expect(raw).not.toContain('PWNED');
    expect(raw).not.toContain('\x1b[2J');
    expect(getScreen()).toContain('A\\x0dB');
  });
});

describe('host questions offer the ssh config aliases', () => {
  const hostQ = q({ id: 'host.server', node: 'host.server', input: 'input', text: 'Which host is the server?', pattern: '[A-Za-z0-9_.@:\\[\\]-]+' });

  it('a select of the aliases, local, and other…', async () => {
    const { answer, events, getScreen } = await renderCall(hostSelect(hostQ, ['web1', 'db-primary', 'bad alias'], { style, lang: 'en' }));
    expect(getScreen()).toMatchInlineSnapshot(`
      "? Which host is the server?
      ❯ web1
        db-primary
        local (this machine, no SSH)
        other… (type an ssh destination)

      ↑↓ navigate • ⏎ select"
    `);
    events.keypress('down');
    events.keypress('enter');
    expect(await answer).toBe('db-primary');
  });

  it('through the prompter: "other…" goes on to a typed destination', async () => {
    const screen = new ScriptedTerminal();
    const p = createInquirerPrompter({ ...screen.io(), style, lang: 'en', hostAliases: async () => ['web1'] });
    const answer = p.ask(hostQ);
    await screen.waitFor('other…');
    await screen.keys('\x1b[B', '\x1b[B', '\r'); // down, down, enter: "other…"
    await screen.waitFor('? Which host is the server?', 1, '✔ Which host is the server?');
    await screen.keys('admin@198.18.2.10:2222', '\r');
    expect(await answer).toBe('admin@198.18.2.10:2222');
    expect(OTHER).not.toMatch(/^[A-Za-z0-9_.@:[\]-]+$/); // can never be a real answer
  });

  it('no aliases: straight to the input', async () => {
    const screen = new ScriptedTerminal();
    const p = createInquirerPrompter({ ...screen.io(), style, lang: 'en', hostAliases: async () => [] });
    const answer = p.ask(hostQ);
    await screen.waitFor('? Which host is the server?');
    await screen.keys('web1', '\r');
    expect(await answer).toBe('web1');
    expect(screen.text).not.toContain('other…');
  });
});

describe('interruption and the answers file', () => {
  it('Ctrl-C at a prompt (a keypress in raw mode) is Interrupted, not a crash', async () => {
    const screen = new ScriptedTerminal();
    const p = createInquirerPrompter({ ...screen.io(), style, lang: 'en' });
    const answer = p.ask(q({ input: 'confirm' }));
    answer.catch(() => {}); // rejects while the keystroke is being delivered; checked below
    await screen.waitFor('Question?');
    await screen.keys('\x03');
    await expect(answer).rejects.toBeInstanceOf(Interrupted);
  });

  it('the abort signal (SIGINT) ends a prompt with Interrupted; an aborted one never draws', async () => {
    const screen = new ScriptedTerminal();
    const ac = new AbortController();
    const pauses: string[] = [];
    const p = createInquirerPrompter({ ...screen.io(), signal: ac.signal, style, lang: 'en', beforePrompt: () => pauses.push('before'), afterPrompt: () => pauses.push('after') });
    const answer = p.ask(q({ input: 'input' }));
    await screen.waitFor('Question?');
    ac.abort();
    await expect(answer).rejects.toBeInstanceOf(Interrupted);
    expect(pauses).toEqual(['before', 'after']);
    const drawn = screen.text.length;
    await expect(p.ask(q({ input: 'input' }))).rejects.toBeInstanceOf(Interrupted);
    expect(screen.text.length).toBe(drawn);
  });

  it('answers by id, then by node; a bad answer is an AnswerError; a missing one NeedsInput', async () => {
    const seen: string[] = [];
    const p = createAnswersPrompter(new Map<string, unknown>([['svc', 'nginx'], ['sub.ok', 'yes']]), null, (qq, a) => seen.push(`${qq.id}=${String(a)}`));
    expect(await p.ask(q({ id: 'svc', node: 'svc', input: 'input' }))).toBe('nginx');
    expect(await p.ask(q({ id: 'sub.ok', node: 'ok', input: 'confirm' }))).toBe(true);
    expect(seen).toEqual(['svc=nginx', 'sub.ok=true']);
    await expect(p.ask(q({ id: 'svc', node: 'svc', input: 'select', choices: [{ value: 'apache2', label: 'a' }] }))).rejects.toBeInstanceOf(AnswerError);
    await expect(p.ask(q({ id: 'other', node: 'other', input: 'input' }))).rejects.toBeInstanceOf(NeedsInput);
  });
});

/** A stand-in terminal for the whole prompter: keystrokes in, everything drawn collected. */
describe('secret (a key passphrase, a sudo password)', () => {
  it('echoes nothing as it is typed, no mask character either, and offers no way to reveal it', async () => {
    const screen = new ScriptedTerminal();
    const p = createInquirerPrompter({ ...screen.io(), style, lang: 'en' });
    const answer = p.secret("Enter passphrase for key '/home/u/.ssh/id_ed25519':");
    await screen.waitFor('Enter passphrase for key');
    await screen.keys(...'open sesame', '\r');
    expect(await answer).toBe('open sesame');
    // Everything the prompt wrote, escape sequences included: neither the text nor one '*' a character.
    expect(screen.text).not.toContain('open');
    expect(screen.text).not.toContain('sesame');
    expect(screen.text).not.toContain('*');
    expect(screen.text).not.toMatch(/ctrl\+t|toggle/i);
  });
});

class ScriptedTerminal {
  readonly input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
  text = '';
  private readonly output = Object.assign(
    new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.text += chunk.toString();
        cb();
      },
    }),
    // inquirer pipes into the output and ends it with each prompt; a terminal cannot be ended.
    { isTTY: true, columns: 100, rows: 40, end() {} },
  );
  io() {
    return { input: this.input, output: this.output };
  }
  /** Each string is one read, as a terminal delivers a keystroke (or a paste). */
  async keys(...chunks: string[]): Promise<void> {
    for (const c of chunks) {
      this.input.write(c);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  /** Until `s` was drawn `times` times (after `after`, when given). */
  async waitFor(s: string, times = 1, after?: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const at = after === undefined ? 0 : this.text.indexOf(after);
      if (at >= 0 && this.text.slice(at).split(s).length - 1 >= times) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`never drawn: ${s}\n${this.text}`);
  }
}

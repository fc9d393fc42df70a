/**
 * Issue 16, prompts rendered with @inquirer/testing: a bad target is explained at the prompt
 * in the words `--target` gets; a host asked again after its name did not resolve says why and
 * offers the closest ssh alias; an answers file's host that did not resolve is an error at its
 * line, never asked again.
 */
import { input, select } from '@inquirer/prompts';
import { render } from '@inquirer/testing';
import { describe, expect, it } from 'vitest';
import { hostQuestion } from '../../src/engine/host-question.js';
import { NO_TARGET } from '../../src/engine/target.js';
import type { Question } from '../../src/engine/types.js';
import { parseTarget, targetQuestion, UsageError } from '../../src/cli/target.js';
import { AnswerError, closestAlias, createAnswersPrompter, hostSelect, promptFor, toAnswer } from '../../src/ui/prompter.js';
import { makeStyle } from '../../src/ui/style.js';

const style = makeStyle(false);

/** What `--target RAW` is refused with, after the flag's name. */
function flagExplanation(raw: string): string {
  try {
    parseTarget(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message.replace(`--target ${JSON.stringify(raw)}: `, '');
  }
  throw new Error(`--target ${raw} was accepted`);
}

describe('the target question explains a bad answer as --target does', () => {
  const q = targetQuestion('refused');

  it.each([
    ['web', 'expected a URL (http://host/path) or HOST:PORT'],
    ['web:99999', 'port 99999 is out of range 1-65535'],
    ['gopher://web/', 'no port for scheme "gopher"; add :PORT'],
    ['-oProxyCommand=x:22', 'the host "-oProxyCommand=x" starts with "-", which no host name does (it would be read as an option)'],
  ])('%s → %s', async (bad, explanation) => {
    expect(flagExplanation(bad)).toBe(explanation);
    const { answer, events, getScreen, nextRender } = await render(input, (promptFor(q, { style }) as Extract<ReturnType<typeof promptFor>, { kind: 'input' }>).config);
    events.type(bad);
    events.keypress('enter');
    await nextRender();
    expect(getScreen()).toContain(`> "${bad}": ${explanation}`);
    for (let i = 0; i < bad.length; i++) events.keypress('backspace');
    events.type('http://198.18.2.10/');
    events.keypress('enter');
    expect(toAnswer(q, await answer)).toBe('http://198.18.2.10/');
  });

  it('the whole screen of a refused answer', async () => {
    const { answer: unanswered, events, getScreen, nextRender } = await render(input, (promptFor(q, { style }) as Extract<ReturnType<typeof promptFor>, { kind: 'input' }>).config);
    unanswered.catch(() => undefined); // left unanswered: inquirer force-closes it when the worker exits
    events.type('web');
    events.keypress('enter');
    await nextRender();
    expect(getScreen()).toMatchInlineSnapshot(`
      "? What did you try to reach?
        A URL (http://web/path, https://[::1]:8443/) or HOST:PORT (db:5432), as in the error you saw
        › web
      > "web": expected a URL (http://host/path) or HOST:PORT (A URL (http://web/path, https://[::1]:8443/) or HOST:PORT (db:5432), as in the …)"
    `);
  });

  it('an answers file with a bad target is refused at once, at its line, in the same words', async () => {
    const p = createAnswersPrompter(new Map([['target', 'web']]), null, undefined, { at: new Map([['target', 'answers.yaml:1:1']]) });
    await expect(p.ask(q)).rejects.toThrow(new AnswerError('answers.yaml:1:1: "target" "web": expected a URL (http://host/path) or HOST:PORT'));
  });
});

describe('a host asked again after its name did not resolve', () => {
  const retry = { answer: 'web-srvr.invalid', error: 'ssh web-srvr.invalid (web-srvr.invalid:22): host name not found' };
  const again: Question = hostQuestion('refused', 'server', NO_TARGET, 'en', retry);
  const aliases = ['db-primary.invalid', 'web-server.invalid', 'bastion.invalid'];

  it('the closest alias, by the host part, keeping user and port', () => {
    expect(closestAlias('web-srvr.invalid', aliases)).toBe('web-server.invalid');
    expect(closestAlias('admin@web-srvr.invalid:2222', aliases)).toBe('admin@web-server.invalid:2222');
    expect(closestAlias('nothing-like-it.example', aliases)).toBeUndefined();
    expect(closestAlias('web-server.invalid', aliases)).toBeUndefined(); // the alias itself failed: no suggestion of itself
  });

  it('the select says what failed and why, and the closest alias is the default', async () => {
    const pc = hostSelect(again, aliases, { style, lang: 'en' });
    if (pc.kind !== 'select') throw new Error('a select');
    const { answer, events, getScreen } = await render(select, pc.config);
    expect(getScreen()).toMatchInlineSnapshot(`
      "? Which host is the server (serving the target)?
        ✖ web-srvr.invalid did not work: ssh web-srvr.invalid (web-srvr.invalid:22): host name not found
        did you mean web-server.invalid?
        An ssh destination (user@host[:port]), an alias from ~/.ssh/config, or "local" for this machine
        db-primary.invalid
      ❯ web-server.invalid
        bastion.invalid
        local (this machine, no SSH)
        other… (type an ssh destination)

      ↑↓ navigate • ⏎ select"
    `);
    events.keypress('enter');
    expect(await answer).toBe('web-server.invalid');
  });

  it('typed by hand: the failed text is offered to correct (Tab takes it)', async () => {
    const pc = promptFor(again, { style, lang: 'en' }, retry.answer);
    if (pc.kind !== 'input') throw new Error('an input');
    const { answer, events, getScreen } = await render(input, pc.config);
    expect(getScreen()).toContain('✖ web-srvr.invalid did not work: ssh web-srvr.invalid (web-srvr.invalid:22): host name not found');
    expect(getScreen()).toContain('(web-srvr.invalid)');
    events.keypress('tab');
    for (let i = 0; i < '.invalid'.length; i++) events.keypress('backspace');
    events.type('1');
    events.keypress('enter');
    expect(toAnswer(again, await answer)).toBe('web-srvr1');
  });

  it('Japanese', async () => {
    const ja = hostQuestion('refused', 'server', NO_TARGET, 'ja', retry);
    const pc = hostSelect(ja, aliases, { style, lang: 'ja' });
    if (pc.kind !== 'select') throw new Error('a select');
    const { answer: unanswered, getScreen } = await render(select, pc.config);
    unanswered.catch(() => undefined); // left unanswered: inquirer force-closes it when the worker exits
    expect(getScreen()).toContain('✖ web-srvr.invalid に接続できません:');
    expect(getScreen()).toContain('web-server.invalid のことですか?');
  });

  it('an error text from a host cannot draw on the screen', async () => {
    const hostile = hostQuestion('refused', 'server', NO_TARGET, 'en', { answer: 'x', error: 'ssh x: \x1b]0;PWNED\x07\x1b[2Jgone' });
    const pc = hostSelect(hostile, aliases, { style, lang: 'en' });
    if (pc.kind !== 'select') throw new Error('a select');
    const { answer: unanswered, getScreen } = await render(select, pc.config);
    unanswered.catch(() => undefined); // left unanswered: inquirer force-closes it when the worker exits
    expect(getScreen()).not.toContain('\x1b]0;');
    expect(getScreen()).not.toContain('\x1b[2J');
  });

  it('from an answers file: never asked again, an error at the answer\'s line with the closest alias', async () => {
    const seen: string[] = [];
    const p = createAnswersPrompter(new Map([['host.server', 'web-srvr.invalid']]), null, (qq, a) => seen.push(`${qq.id}=${String(a)}`), {
      at: new Map([['host.server', 'answers.yaml:2:1']]),
      hostAliases: async () => aliases,
    });
    expect(await p.ask(hostQuestion('refused', 'server', NO_TARGET, 'en'))).toBe('web-srvr.invalid');
    await expect(p.ask(again)).rejects.toThrow(
      new AnswerError('answers.yaml:2:1: "host.server": ssh web-srvr.invalid (web-srvr.invalid:22): host name not found (did you mean "web-server.invalid"?)'),
    );
    expect(seen).toEqual(['host.server=web-srvr.invalid']);
  });
});

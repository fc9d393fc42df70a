/**
 * Cards from sessions recorded in the lab (issue 16), stepped again through today's flows with
 * the recorded answers and results, one result changed where the lab cannot show the case.
 */
import { describe, expect, it } from 'vitest';
import { step } from '../../src/engine/engine.js';
import { INITIAL_STATE, type Effect, type Outcome } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { builtinFlowsDir, loadCatalog } from '../../src/flow/catalog.js';
import { readRecorded } from '../helpers/recorded.js';

const cat = loadCatalog([builtinFlowsDir()]);

/** The session's outcome through today's flows; `change` rewrites a recorded result by command id. */
function outcomeOf(file: string, change: Record<string, (r: CommandResult) => CommandResult> = {}, lang: 'en' | 'ja' = 'en'): Outcome {
  const { start, results, answers } = readRecorded(file);
  let r = step(cat, INITIAL_STATE, { ...start, lang });
  for (let i = 0; i < 200; i++) {
    const out = r.effects.find((e): e is Extract<Effect, { kind: 'show' }> => e.kind === 'show' && e.item.kind === 'outcome');
    if (out && out.item.kind === 'outcome') return out.item.outcome;
    const ex = r.effects.find((e) => e.kind === 'exec');
    const ask = r.effects.find((e) => e.kind === 'ask');
    if (ex?.kind === 'exec') {
      const id = ex.commands[0]!.id;
      const rec = results.get(id);
      if (!rec) throw new Error(`${file}: no recorded result for ${id}`);
      r = step(cat, r.state, { kind: 'result', id, result: change[id] ? change[id](rec) : rec });
    } else if (ask?.kind === 'ask') {
      const q = ask.question;
      if (!answers.has(q.id)) throw new Error(`${file}: no recorded answer for ${q.id}`);
      r = step(cat, r.state, { kind: 'answer', id: q.id, value: answers.get(q.id)! });
    } else throw new Error(`${file}: the session stopped with no outcome`);
  }
  throw new Error('more than 200 steps');
}

const fix = (o: Outcome) => {
  if (o.kind !== 'fix') throw new Error(`not a fix: ${JSON.stringify(o)}`);
  return o.fix;
};

describe('console-connect: the card never says packets are dropped beside a port 22 that answered', () => {
  it('port 22 answers this machine, the security group does not let the console in (lab session sg-lets-this-machine-only)', () => {
    const f = fix(outcomeOf('flows/console-connect/sessions/sg-lets-this-machine-only.ndjson'));
    expect(f.id).toBe('open-ssh-in-security-group');
    const evidence = f.evidence.flatMap((e) => e.lines).join('\n');
    expect(evidence).toContain('Connection to 198.18.2.10 22 port [tcp/ssh] succeeded!');
    expect(f.cause).not.toMatch(/dropped|times out|timed out/);
    expect(f.cause).toContain('it lets this machine in, not the console');
    const ja = fix(outcomeOf('flows/console-connect/sessions/sg-lets-this-machine-only.ndjson', {}, 'ja'));
    expect(ja.cause).not.toMatch(/破棄|タイムアウトする/);
  });

  it('port 22 times out from here too (lab session sg-without-ssh): then the packets are dropped, and the evidence says so', () => {
    const f = fix(outcomeOf('flows/console-connect/sessions/sg-without-ssh.ndjson'));
    expect(f.cause).toContain("the console's packets are dropped and it times out");
    expect(f.evidence.flatMap((e) => e.lines).join('\n')).toContain('timed out');
    expect(f.evidence.flatMap((e) => e.lines).join('\n')).not.toContain('succeeded');
  });
});

describe('not-found: the access log shows the newest requests for the URL, not tshoot\'s own', () => {
  // The lab's log holds tshoot's two requests only; a busy log, as a server has, in their place.
  const UA_TSHOOT = 'tshoot (read-only diagnosis)';
  const line = (i: number, agent: string, path = '/hogehoge', from = '203.0.113.7') =>
    `${from} - - [01/Dec/2026:16:${String(10 + i).padStart(2, '0')}:00 +0000] "GET ${path} HTTP/1.1" 404 153 "-" "${agent}"`;
  const log = [
    ...Array.from({ length: 12 }, (_, i) => line(i, i % 3 === 0 ? UA_TSHOOT : 'Mozilla/5.0 (X11; Linux x86_64)', i === 5 ? '/other' : '/hogehoge')),
    line(40, UA_TSHOOT, '/hogehoge', '198.18.1.10'),
    line(41, UA_TSHOOT, '/hogehoge', '127.0.0.1'),
  ];
  const busy = (r: CommandResult): CommandResult => ({ ...r, stdout: `${log.join('\n')}\n` });

  it('wrong-path (lab session missing-file): tshoot\'s own requests left out, the newest 7 shown, the older ones counted', () => {
    const f = fix(outcomeOf('flows/not-found/sessions/missing-file.ndjson', { access_log: busy }));
    expect(f.id).toBe('wrong-path');
    const ev = f.evidence.find((e) => e.argv[0] === 'tail')!;
    // 12 lines: 4 of tshoot's, 1 for another URL; 7 of the user's left; the two at the end are tshoot's own.
    expect(ev.lines).toEqual([line(1, 'Mozilla/5.0 (X11; Linux x86_64)'), line(2, 'Mozilla/5.0 (X11; Linux x86_64)'), line(4, 'Mozilla/5.0 (X11; Linux x86_64)'), line(7, 'Mozilla/5.0 (X11; Linux x86_64)'), line(8, 'Mozilla/5.0 (X11; Linux x86_64)'), line(10, 'Mozilla/5.0 (X11; Linux x86_64)'), line(11, 'Mozilla/5.0 (X11; Linux x86_64)')]);
    expect(ev.lines.join('\n')).not.toContain(UA_TSHOOT);
  });

  it('more than 7: the newest 7, after a line counting the older ones', () => {
    const many = Array.from({ length: 20 }, (_, i) => line(i, 'curl/8.5.0'));
    const f = fix(outcomeOf('flows/not-found/sessions/missing-file.ndjson', { access_log: (r) => ({ ...r, stdout: `${many.join('\n')}\n` }) }));
    const ev = f.evidence.find((e) => e.argv[0] === 'tail')!;
    expect(ev.lines).toEqual(['(13 older lines not shown)', ...many.slice(13)]);
    const ja = fix(outcomeOf('flows/not-found/sessions/missing-file.ndjson', { access_log: (r) => ({ ...r, stdout: `${many.join('\n')}\n` }) }, 'ja'));
    expect(ja.evidence.find((e) => e.argv[0] === 'tail')!.lines[0]).toBe('(古い 13 行は省略)');
    // The request from the server itself, in Japanese too.
    expect(ja.evidence.flatMap((e) => e.lines).join('\n')).toMatch(/サーバー自身で http:\/\/127\.0\.0\.1:80\/hogehoge \(Host: 198\.18\.2\.10\) は HTTP 404/);
  });
});

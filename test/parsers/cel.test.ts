import { describe, it, expect } from 'vitest';
import { buildEnvironment, checkExpression, evaluate, toCel } from '../../src/flow/expr.js';
import { PARSERS } from '../../src/parsers/index.js';
import { fixture } from './helpers.js';

// The parsers' declared types must work as CEL types: the names register, the fields are
// legal identifiers, and conditions a flow would write over seed output give the memo's answers.
// (Direct indexing of a struct list, `v.sockets[0].pid`, is left out: with today's `toCel`
// cel-js rejects it as "not of type 'SsSocket', got 'map<dyn, dyn>'"; that is flow/expr.ts's.)
const cases: ReadonlyArray<readonly [parser: string, file: string, expr: string, expected: unknown]> = [
  ['ss', 'seed/ss-antup.txt', 'v.sockets.exists(s, s.state == "LISTEN" && s.local_port == 80)', false],
  ['ss', 'seed/ss-antup.txt', 'v.sockets.filter(s, s.local_port == 22 && s.wildcard && s.netid == "tcp")[0].pid', 714n],
  ['ss', 'seed/ss-antup-grep-nginx.txt', 'v.sockets.all(s, s.loopback && s.process == "nginx")', true],
  ['systemctl', 'seed/systemctl-status-nginx-inactive.txt', 'v.active == "inactive" && v.enabled == "disabled"', true],
  ['connect-error', 'seed/curl-refused-ec2-1.txt', 'v.kind == "refused" && v.port == 80', true],
  ['nginx-config', 'seed/nginx-server-conf.txt', 'v.listens.exists(l, l.addr == "127.0.0.1" && l.default_server)', true],
  ['nginx-access-log', 'seed/nginx-access-log.txt', 'v.entries.exists(e, e.status == 404 && e.path == "/hogehoge")', true],
  ['ls', 'seed/ll-var-www-html.txt', 'v.files.exists(f, f.name == "hogehoge")', false],
  ['http-response', 'seed/curl-v-root.txt', 'v.status', 200n],
  ['nft', 'captured/nft-list-ruleset.txt', 'v.rules.exists(r, r.action == "reject" && 443 in r.dports)', true],
  ['iptables', 'captured/iptables-S.txt', 'v.rules.exists(r, r.dport_ranges.exists(p, p.from <= 8080 && 8080 <= p.to) && r.action == "DROP")', true],
  ['ip-route', 'captured/ip-route.txt', 'v.has_default && v.routes.exists(r, r.dest == "default" && r.via == "10.9.0.1")', true],
  ['ps', 'captured/ps-eo.txt', 'v.processes.exists(p, p.pid == 1)', true],
];

describe('parser types in CEL', () => {
  it.each(cases)('%s on %s: %s', (name, file, expr, expected) => {
    const parser = PARSERS.get(name)!;
    const env = buildEnvironment({ v: parser.type });
    expect(checkExpression(env, expr)).toMatchObject({ ok: true });
    const r = evaluate(env, expr, { v: toCel(parser.parse(fixture(file)), parser.type) });
    expect(r).toEqual({ ok: true, value: expected });
  });

  it('registers every parser type together in one environment', () => {
    const vars = Object.fromEntries([...PARSERS].map(([name, p]) => [name.replace(/-/g, '_'), p.type]));
    expect(() => buildEnvironment(vars)).not.toThrow();
  });
});

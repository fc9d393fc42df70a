/**
 * The engine as (state, event) → (state, effects) tables, on the shipped `refused` flow, fed
 * the seed memo's real outputs. No runner, no ports: just the pure step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineError, step } from '../../src/engine/engine.js';
import { INITIAL_STATE, type Effect, type EngineEvent, type SessionState } from '../../src/engine/types.js';
import type { CommandResult } from '../../src/exec/types.js';
import { builtinFlowsDir, loadCatalog } from '../../src/flow/catalog.js';
import { isError } from '../../src/flow/problem.js';

const cat = loadCatalog([builtinFlowsDir()]);
const seed = (name: string) => readFileSync(new URL(`../fixtures/seed/${name}`, import.meta.url), 'utf8');

const res = (stdout: string, exit = 0, stderr = ''): CommandResult => ({
  exit,
  stdout,
  stderr,
  durationMs: 5,
  timedOut: false,
  truncated: { stdout: false, stderr: false },
  transport: null,
});

const start = (url: string, hosts = { client: 'ec2-1', server: 'ec2-2', bastion: '' }): EngineEvent => {
  const u = new URL(url);
  return {
    kind: 'start',
    flow: 'refused',
    target: { url, scheme: u.protocol.slice(0, -1), host: u.hostname, port: Number(u.port || 80), path: u.pathname, loopback: false, given: true },
    hosts,
    lang: 'en',
  };
};

/** What the effects say, compactly: `exec node role argv0`, `ask id`, `goto node`, `outcome …`. */
function describeEffects(effects: readonly Effect[]): string[] {
  return effects.map((e) => {
    if (e.kind === 'exec') return e.commands.map((c) => `exec ${c.id} ${c.role}${c.root ? ' root' : ''} ${c.argv[0]}`).join(', ');
    if (e.kind === 'ask') return `ask ${e.question.id}`;
    const it = e.item;
    if (it.kind === 'decision') return `goto ${it.goto}`;
    if (it.kind === 'result') return `result ${it.command.id}`;
    const o = it.outcome;
    return `outcome ${o.kind} ${o.kind === 'fix' ? o.fix.id : o.kind === 'error' ? o.code : o.node}`;
  });
}

type Row = [event: EngineEvent, expected: string[]];

function walk(rows: Row[]): SessionState {
  let state = INITIAL_STATE;
  for (const [event, expected] of rows) {
    const r = step(cat, state, event);
    expect(describeEffects(r.effects)).toEqual(expected);
    state = r.state;
  }
  return state;
}

/** What the refused flow reads after `ss`, in order: the firewall (both), the name, the routes both ways. */
function gatherOutputs(ipt = EMPTY_IPT, nft = EMPTY_NFT): Array<[string, string]> {
  return [
    ['firewall', ipt],
    ['nft', nft],
    ['resolve', '198.18.2.10     STREAM example\n198.18.2.10     DGRAM  \n'],
    ['client_route', '198.18.2.10 via 198.18.1.1 dev eth0 src 198.18.1.10 uid 0 \n    cache \n'],
    ['server_route', '198.18.1.10 via 198.18.2.1 dev eth0 src 198.18.2.10 uid 0 \n    cache \n'],
  ];
}
const EMPTY_IPT = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';
const EMPTY_NFT = '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]}\n';

/** No Apache on the host: apache2ctl and httpd not found, then `after` (from `goto decide` on). */
function noApache(after: string[]): Row[] {
  return [
    [{ kind: 'result', id: 'apache_conf', result: res('', 127, 'apache2ctl: command not found\n') }, ['result apache_conf', 'goto httpd_conf', 'exec httpd_conf server root httpd']],
    [{ kind: 'result', id: 'httpd_conf', result: res('', 127, 'httpd: command not found\n') }, ['result httpd_conf', ...after]],
  ];
}

/** The rows from `ss` to the judgement: each command's effects, then `after` once the models decide. */
function gather(ss: string, after: string[], ipt = EMPTY_IPT, nft = EMPTY_NFT): Row[] {
  const outs = gatherOutputs(ipt, nft);
  const next = ['exec firewall server root iptables-save', 'exec nft server root nft', 'exec resolve client getent', 'exec client_route client ip', 'exec server_route server ip'];
  const gotos = ['goto nft', 'goto resolve', 'goto client_route', 'goto server_route', 'goto judge'];
  return [
    [{ kind: 'result', id: 'listeners', result: res(ss) }, ['result listeners', 'goto firewall', next[0]!]],
    ...outs.map(([id, out], i): Row => [{ kind: 'result', id, result: res(out) }, [`result ${id}`, gotos[i]!, ...(i + 1 < next.length ? [next[i + 1]!] : after)]]),
  ];
}

describe('engine: refused flow on the seed outputs', () => {
  it('the shipped flows have no errors', () => {
    expect(cat.problems.filter(isError)).toEqual([]);
  });

  it('seed case A: nothing listens, nginx stopped (systemd), its listen takes the address → start-service', () => {
    const curlRefused = seed('curl-refused-ec2-1.txt').replace(/^\$.*\n/m, '');
    const conf = `# configuration file /etc/nginx/conf.d/server.conf:\n${seed('nginx-server-conf.txt').replace('listen 127.0.0.1:80', 'listen 80')}`;
    const state = walk([
      [start('http://example/'), ['goto probe_http', 'exec probe_http client curl']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, curlRefused) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
      ...gather(seed('ss-antup.txt'), ['goto which_conf', 'goto nginx_conf', 'exec nginx_conf server root nginx']),
      [{ kind: 'result', id: 'nginx_conf', result: res(conf, 0, 'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n') }, ['result nginx_conf', 'goto apache_conf', 'exec apache_conf server root apache2ctl']],
      ...noApache(['goto decide', 'goto running', 'goto status', 'exec status server systemctl']),
      [{ kind: 'result', id: 'status', result: res(seed('systemctl-status-nginx-inactive.txt'), 3) }, ['result status', 'goto config_test', 'goto nginx_test', 'exec nginx_test server root nginx']],
      [{ kind: 'result', id: 'nginx_test', result: res('', 0, 'nginx: configuration file /etc/nginx/nginx.conf test is successful\n') }, ['result nginx_test', 'goto start_service', 'outcome fix start-service']],
    ]);
    const o = state.outcome;
    expect(o?.kind).toBe('fix');
    if (o?.kind !== 'fix') return;
    expect(o.fix.cause).toContain('inactive (dead)');
    expect(o.fix.fix.join('\n')).toContain('sudo systemctl start nginx');
    expect(o.fix.fix.join('\n')).toContain('sudo systemctl enable nginx');
    expect(o.fix.evidence[1]?.lines).toEqual(['     Active: inactive (dead)']);
    expect(state.commands).toBe(12);
  });

  it('seed case A as the memo had it: nginx stopped, but its listen is 127.0.0.1:80 → starting it alone would not do (unresolved, both said)', () => {
    const conf = `# configuration file /etc/nginx/conf.d/server.conf:\n${seed('nginx-server-conf.txt')}`;
    const state = walk([
      [start('http://example/'), ['goto probe_http', 'exec probe_http client curl']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, seed('curl-refused-ec2-1.txt')) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
      ...gather(seed('ss-antup.txt'), ['goto which_conf', 'goto nginx_conf', 'exec nginx_conf server root nginx']),
      [{ kind: 'result', id: 'nginx_conf', result: res(conf) }, ['result nginx_conf', 'goto apache_conf', 'exec apache_conf server root apache2ctl']],
      ...noApache(['goto decide', 'goto running', 'goto status', 'exec status server systemctl']),
      [{ kind: 'result', id: 'status', result: res(seed('systemctl-status-nginx-inactive.txt'), 3) }, ['result status', 'goto config_test', 'goto nginx_test', 'exec nginx_test server root nginx']],
      [{ kind: 'result', id: 'nginx_test', result: res('', 0, 'nginx: configuration file /etc/nginx/nginx.conf test is successful\n') }, ['result nginx_test', 'goto start_service', 'goto start_blocked', 'goto not_started', 'outcome unresolved not_started']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'unresolved') throw new Error('expected unresolved');
    expect(o.end.checked.join('\n')).toContain('would not take 198.18.2.10:80 (loopback-only)');
  });

  it('seed case B: nginx on 127.0.0.1:80, client elsewhere → bind-all-interfaces with the config line', () => {
    const nginxT = `# configuration file /etc/nginx/conf.d/server.conf:\n${seed('nginx-server-conf.txt').replace(/^\$.*\n/m, '')}`;
    const ps = '   2265     0     0 nginx: master process /usr/sbin/nginx -g daemon on; master_process on;\n   2266    33    33 nginx: worker process\n';
    const ss = 'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nLISTEN 0      511        127.0.0.1:80        0.0.0.0:*     users:(("nginx",pid=2266,fd=6),("nginx",pid=2265,fd=6))\n';
    const state = walk([
      [start('http://example/'), ['goto probe_http', 'exec probe_http client curl']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, seed('curl-refused-ec2-1-again.txt').replace(/^\$.*\n/m, '')) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
      ...gather(ss, ['goto which_conf', 'goto processes', 'exec processes server ps']),
      [{ kind: 'result', id: 'processes', result: res(ps) }, ['result processes', 'goto nginx_conf', 'exec nginx_conf server root nginx']],
      [{ kind: 'result', id: 'nginx_conf', result: res(nginxT) }, ['result nginx_conf', 'goto apache_conf', 'exec apache_conf server root apache2ctl']],
      ...noApache(['goto decide', 'goto init_system', 'exec init_system server ps']),
      [{ kind: 'result', id: 'init_system', result: res('systemd\n') }, ['result init_system', 'goto bind_all_interfaces', 'outcome fix bind-all-interfaces']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error('expected a fix');
    expect(o.fix.config).toBe('/etc/nginx/conf.d/server.conf:2');
    expect(o.fix.fix[0]).toContain('listen 0.0.0.0:80 default_server;');
    // With systemd as PID 1, applying it restarts nginx through systemctl, after a backup.
    expect(o.fix.apply?.steps.map((st) => st.argv.join(' '))).toEqual([
      "sed -i -e 2s/127\\.0\\.0\\.1:80/0.0.0.0:80/ -- /etc/nginx/conf.d/server.conf",
      'nginx -t -c /etc/nginx/nginx.conf',
      'systemctl restart nginx',
    ]);
    expect(o.fix.apply?.steps[0]?.backup).toBe('/etc/nginx/conf.d/server.conf');
    expect(o.fix.apply?.check.argv[0]).toBe('curl');
    expect(o.fix.evidence.map((e) => e.lines)).toEqual([
      [expect.stringContaining('127.0.0.1:80')],
      ['/etc/nginx/conf.d/server.conf:2: listen 127.0.0.1:80 default_server;'],
    ]);
  });

  it('a REJECT rule answering the port → host-firewall-reject with the rule to delete', () => {
    const ss = 'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nLISTEN 0      511          0.0.0.0:80        0.0.0.0:*     users:(("nginx",pid=10,fd=6))\n';
    const ipt = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 80 -j REJECT --reject-with tcp-reset\nCOMMIT\n';
    const state = walk([
      [start('http://example/'), ['goto probe_http', 'exec probe_http client curl']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, seed('curl-refused-ec2-1.txt').replace(/^\$.*\n/m, '')) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
      ...gather(ss, ['goto host_firewall_reject', 'outcome fix host-firewall-reject'], ipt),
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error('expected a fix');
    expect(o.fix.fix[1]).toBe('Run: sudo iptables -t filter -D INPUT -p tcp -m tcp --dport 80 -j REJECT --reject-with tcp-reset');
    expect(o.fix.cause).toContain('refused with a TCP reset');
  });

  it('a REJECT rule that matches only another source is not the cause → no firewall card', () => {
    const ss = 'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nLISTEN 0      511          0.0.0.0:80        0.0.0.0:*     users:(("nginx",pid=10,fd=6))\n';
    const ipt = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 203.0.113.0/24 -p tcp -m tcp --dport 80 -j REJECT --reject-with tcp-reset\nCOMMIT\n';
    const state = walk([
      [start('http://example/'), ['goto probe_http', 'exec probe_http client curl']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, seed('curl-refused-ec2-1.txt')) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
      ...gather(ss, ['goto listening_but_refused', 'outcome unresolved listening_but_refused'], ipt),
    ]);
    expect(state.outcome?.kind).toBe('unresolved');
  });

  it('a host that cannot be reached, with no on_unreachable, ends as an unreachable error', () => {
    const state = walk([
      [start('http://example/'), ['goto probe_http', 'exec probe_http client curl']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, seed('curl-refused-ec2-1.txt').replace(/^\$.*\n/m, '')) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
      [
        { kind: 'result', id: 'listeners', result: { ...res(''), exit: null, transport: { code: 'refused', message: 'ssh ec2-2 (10.0.0.2:22): connection refused' } } },
        ['result listeners', 'outcome error unreachable'],
      ],
    ]);
    expect(state.outcome).toMatchObject({ kind: 'error', code: 'unreachable', node: 'listeners', loc: { file: expect.stringContaining('refused.yaml') } });
  });

  it('the connection works now → unresolved end, after one command', () => {
    const state = walk([
      [start('http://example/'), ['goto probe_http', 'exec probe_http client curl']],
      [{ kind: 'result', id: 'probe_http', result: res('200\n') }, ['result probe_http', 'goto classify', 'goto works_now', 'outcome unresolved works_now']],
    ]);
    expect(state.status).toBe('done');
  });

  it('refuses events the engine does not wait for', () => {
    const s1 = step(cat, INITIAL_STATE, start('http://example/')).state;
    expect(() => step(cat, s1, { kind: 'result', id: 'listeners', result: res('') })).toThrow(EngineError);
    expect(() => step(cat, s1, { kind: 'answer', id: 'probe_http', value: true })).toThrow(EngineError);
    expect(() => step(cat, s1, start('http://example/'))).toThrow(EngineError);
  });

  it('is pure: the same state and event give equal results, and the input state is untouched', () => {
    const s1 = step(cat, INITIAL_STATE, start('http://example/')).state;
    const frozen = JSON.stringify(s1, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const ev: EngineEvent = { kind: 'result', id: 'probe_http', result: res('000\n', 7, 'curl: (7) Failed to connect to example port 80 after 4 ms: Connection refused\n') };
    const a = step(cat, s1, ev);
    const b = step(cat, s1, ev);
    expect(describeEffects(a.effects)).toEqual(describeEffects(b.effects));
    expect(JSON.stringify(s1, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(frozen);
  });

  it('asks only when no command can tell: nginx missing → asks for the service', () => {
    let s = step(cat, INITIAL_STATE, start('http://example:5432/')).state;
    s = step(cat, s, { kind: 'result', id: 'probe_http', result: res('000\n', 7, 'curl: (7) Failed to connect to example port 5432 after 1 ms: Connection refused\n') }).state;
    s = step(cat, s, { kind: 'result', id: 'listeners', result: res(seed('ss-antup.txt')) }).state;
    for (const [id, out] of gatherOutputs()) s = step(cat, s, { kind: 'result', id, result: res(out) }).state;
    s = step(cat, s, { kind: 'result', id: 'nginx_conf', result: res('', 127, 'nginx: command not found\n') }).state;
    s = step(cat, s, { kind: 'result', id: 'apache_conf', result: res('', 127, 'apache2ctl: command not found\n') }).state;
    const r = step(cat, s, { kind: 'result', id: 'httpd_conf', result: res('', 127, 'httpd: command not found\n') });
    expect(describeEffects(r.effects)).toEqual(['result httpd_conf', 'goto decide', 'goto service', 'ask service']);
    const r2 = step(cat, r.state, { kind: 'answer', id: 'service', value: 'postgres' });
    expect(describeEffects(r2.effects)).toEqual(['goto running', 'goto status', 'exec status server systemctl']);
    const exec = r2.effects.find((e) => e.kind === 'exec');
    expect(exec?.kind === 'exec' && exec.commands[0]?.argv.at(-1)).toBe('postgres');
  });
});

describe('engine: refused flow with Apache instead of nginx (real apache2 dumps, test/fixtures/apache)', () => {
  const apache = (name: string) => readFileSync(new URL(`../fixtures/apache/${name}`, import.meta.url), 'utf8');
  const startAt = (url: string): EngineEvent => {
    const ev = start(url, { client: 'local', server: 'local', bastion: '' });
    return ev.kind === 'start' ? { ...ev, target: { ...ev.target, loopback: true } } : ev;
  };
  const toApache = (port: number, sockets: string): Row[] => [
    [startAt(`http://127.0.0.1:${port}/`), ['goto probe_http', 'exec probe_http client curl']],
    [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, `* connect to 127.0.0.1 port ${port} failed: Connection refused\n`) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
    [{ kind: 'result', id: 'listeners', result: res(sockets) }, ['result listeners', 'goto firewall', 'exec firewall server root iptables-save']],
    [{ kind: 'result', id: 'firewall', result: res(EMPTY_IPT) }, ['result firewall', 'goto nft', 'exec nft server root nft']],
    [{ kind: 'result', id: 'nft', result: res(EMPTY_NFT) }, ['result nft', 'goto client_route', 'exec client_route client ip']],
    [{ kind: 'result', id: 'client_route', result: res('local 127.0.0.1 dev lo src 127.0.0.1 uid 0 \n    cache <local> \n') }, ['result client_route', 'goto server_route', 'exec server_route server ip']],
    [{ kind: 'result', id: 'server_route', result: res('local 127.0.0.1 dev lo src 127.0.0.1 uid 0 \n    cache <local> \n') }, ['result server_route', 'goto judge', 'goto which_conf', 'goto nginx_conf', 'exec nginx_conf server root nginx']],
    [{ kind: 'result', id: 'nginx_conf', result: res('', 127, 'nginx: command not found\n') }, ['result nginx_conf', 'goto apache_conf', 'exec apache_conf server root apache2ctl']],
  ];

  it('Apache stopped, its Listen takes the address, its test passes → start-service naming apache2', () => {
    const state = walk([
      ...toApache(18291, 'State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n'),
      [{ kind: 'result', id: 'apache_conf', result: res(apache('dump-named.txt')) }, ['result apache_conf', 'goto apache_files', 'exec apache_files server root grep']],
      [{ kind: 'result', id: 'apache_files', result: res(apache('grep-named.txt')) }, ['result apache_files', 'goto decide', 'goto running', 'goto status', 'exec status server systemctl']],
      [{ kind: 'result', id: 'status', result: res(seed('systemctl-status-nginx-inactive.txt').replaceAll('nginx', 'apache2'), 3) }, ['result status', 'goto config_test', 'goto start_service', 'outcome fix start-service']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error(`expected a fix, got ${JSON.stringify(o)}`);
    expect(o.fix.cause).toContain('apache2');
    expect(o.fix.fix.join('\n')).toContain('sudo systemctl start apache2');
    expect(o.fix.fix[0]).toContain('Listen 127.0.0.1:18291 takes 127.0.0.1:18291');
  });

  it('Apache stopped, but no Listen for the port → not started, naming its Listen lines', () => {
    const state = walk([
      ...toApache(8080, 'State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n'),
      [{ kind: 'result', id: 'apache_conf', result: res(apache('dump-named.txt')) }, ['result apache_conf', 'goto apache_files', 'exec apache_files server root grep']],
      [{ kind: 'result', id: 'apache_files', result: res(apache('grep-named.txt')) }, ['result apache_files', 'goto decide', 'goto running', 'goto status', 'exec status server systemctl']],
      [{ kind: 'result', id: 'status', result: res(seed('systemctl-status-nginx-inactive.txt').replaceAll('nginx', 'apache2'), 3) }, ['result status', 'goto config_test', 'goto start_service', 'goto start_blocked', 'goto not_started', 'outcome unresolved not_started']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'unresolved') throw new Error('expected unresolved');
    expect(o.end.checked.join('\n')).toContain('ports.conf:1: Listen 127.0.0.1:18291');
  });

  it('Apache whose configuration fails its test → fix-service-config with its file:line', () => {
    const state = walk([
      ...toApache(18291, 'State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n'),
      [{ kind: 'result', id: 'apache_conf', result: res('', 1, apache('dump-bad.txt')) }, ['result apache_conf', 'goto apache_files', 'exec apache_files server root grep']],
      [{ kind: 'result', id: 'apache_files', result: res(apache('grep-named.txt')) }, ['result apache_files', 'goto decide', 'goto running', 'goto status', 'exec status server systemctl']],
      [{ kind: 'result', id: 'status', result: res(seed('systemctl-status-nginx-inactive.txt').replaceAll('nginx', 'apache2'), 3) }, ['result status', 'goto config_test', 'goto start_service', 'goto start_blocked', 'goto service_config_error', 'outcome fix fix-service-config']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error('expected a fix');
    expect(o.fix.fix[0]).toContain('10-named.conf:16');
    expect(o.fix.fix[0]).toContain('apache2ctl configtest');
  });
});

/**
 * The engine as (state, event) → (state, effects) tables, on the shipped `refused` flow, fed
 * the seed memo's real outputs. No runner, no ports: just the pure step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineError, step } from '../../src/engine/engine.js';
import { INITIAL_STATE, type Effect, type EngineEvent, type SessionState } from '../../src/engine/types.js';
import { shippedOneAtATime } from '../helpers/one-at-a-time.js';
import { isError } from '../../src/flow/problem.js';
import { res } from '../helpers/result.js';

// One command at a time: what runs together is test/engine/together.test.ts's.
const cat = shippedOneAtATime();
const seed = (name: string) => readFileSync(new URL(`../fixtures/seed/${name}`, import.meta.url), 'utf8');


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

/** `systemctl list-sockets --all --show-types --no-pager --full` where systemd is PID 1 (systemd 252, Debian 12): no socket unit for a web port. */
const LIST_SOCKETS = [
  'LISTEN                          TYPE             UNIT                            ACTIVATES',
  '/run/dbus/system_bus_socket     Stream           dbus.socket                     dbus.service',
  '/run/systemd/initctl/fifo       FIFO             systemd-initctl.socket          systemd-initctl.service',
  '/run/systemd/journal/dev-log    Datagram         systemd-journald-dev-log.socket systemd-journald.service',
  '/run/systemd/journal/stdout     Stream           systemd-journald.socket         systemd-journald.service',
  '/run/udev/control               SequentialPacket systemd-udevd-control.socket    systemd-udevd.service',
  'kobject-uevent 1                Netlink          systemd-udevd-kernel.socket     systemd-udevd.service',
  '',
  '6 sockets listed.',
  '',
].join('\n');

/** `systemctl show -p … -- '*.service'` and a failed unit's journal (test/fixtures/systemd/README.md says whence). */
const SHOW = readFileSync(new URL('../fixtures/systemd/show-services.txt', import.meta.url), 'utf8');
const JOURNAL = readFileSync(new URL('../fixtures/systemd/journal-webapp.txt', import.meta.url), 'utf8');
/** This machine's installed socket units (`list-unit-files --type=socket`) and `systemctl cat` of those LIST_SOCKETS does not list. */
const UNIT_FILES_SOCKETS = readFileSync(new URL('../fixtures/systemd/list-unit-files-sockets.txt', import.meta.url), 'utf8');
const CAT_SOCKETS = readFileSync(new URL('../fixtures/systemd/cat-sockets.txt', import.meta.url), 'utf8');
/** From `list-sockets` (no socket unit for the port), through the installed ones (none for a web port either), to `systemctl show`. */
function toServicesExec(): Row[] {
  return [
    [{ kind: 'result', id: 'unit_sockets', result: res(LIST_SOCKETS) }, ['result unit_sockets', 'goto socket_unit_files', 'exec socket_unit_files server systemctl']],
    [{ kind: 'result', id: 'socket_unit_files', result: res(UNIT_FILES_SOCKETS) }, ['result socket_unit_files', 'goto socket_files', 'exec socket_files server systemctl']],
    [{ kind: 'result', id: 'socket_files', result: res(CAT_SOCKETS) }, ['result socket_files', 'goto services', 'exec services server systemctl']],
  ];
}
const SYSTEMD_SS = 'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nLISTEN 0      128          0.0.0.0:22        0.0.0.0:*     users:(("sshd",pid=611,fd=3))\n';

/** Refused on :PORT of a host with only sshd listening, no nginx, no Apache: from the probe to `decide`, then `after`. */
function toDecideAt(after: string[], port: number): Row[] {
  return [
    [start(`http://example:${port}/`), ['goto probe_http', 'exec probe_http client curl']],
    [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, `curl: (7) Failed to connect to example port ${port} after 2 ms: Connection refused\n`) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
    ...gather(SYSTEMD_SS, ['goto which_conf', 'goto nginx_conf', 'exec nginx_conf server root nginx']),
    [{ kind: 'result', id: 'nginx_conf', result: res('', 127, 'nginx: command not found\n') }, ['result nginx_conf', 'goto apache_conf', 'exec apache_conf server root apache2ctl']],
    ...noApache(['goto decide', 'goto unit_sockets', 'exec unit_sockets server systemctl', ...after]),
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
      // nginx_test's `nginx -T` is nginx_conf's: its result is taken, nothing runs again.
      [{ kind: 'result', id: 'status', result: res(seed('systemctl-status-nginx-inactive.txt'), 3) }, ['result status', 'goto config_test', 'goto nginx_test', 'result nginx_test', 'goto start_service', 'outcome fix start-service']],
    ]);
    const o = state.outcome;
    expect(o?.kind).toBe('fix');
    if (o?.kind !== 'fix') return;
    expect(o.fix.cause).toContain('inactive (dead)');
    expect(o.fix.fix.join('\n')).toContain('sudo systemctl start nginx');
    expect(o.fix.fix.join('\n')).toContain('sudo systemctl enable nginx');
    expect(o.fix.evidence[1]?.lines).toEqual(['     Active: inactive (dead)']);
    expect(state.commands).toBe(11); // nginx_test took nginx_conf's result
  });

  it('seed case A as the memo had it: nginx stopped, but its listen is 127.0.0.1:80 → starting it alone would not do (unresolved, both said)', () => {
    const conf = `# configuration file /etc/nginx/conf.d/server.conf:\n${seed('nginx-server-conf.txt')}`;
    const state = walk([
      [start('http://example/'), ['goto probe_http', 'exec probe_http client curl']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, seed('curl-refused-ec2-1.txt')) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
      ...gather(seed('ss-antup.txt'), ['goto which_conf', 'goto nginx_conf', 'exec nginx_conf server root nginx']),
      [{ kind: 'result', id: 'nginx_conf', result: res(conf) }, ['result nginx_conf', 'goto apache_conf', 'exec apache_conf server root apache2ctl']],
      // Its listen does not take the address, so systemd's socket units are read: none for :80.
      ...noApache(['goto decide', 'goto unit_sockets', 'exec unit_sockets server systemctl']),
      ...toServicesExec(),
      // No enabled service's command line names the port either (ssh's options are in /etc/default/ssh).
      [{ kind: 'result', id: 'services', result: res(SHOW.slice(SHOW.indexOf('Id=ssh.service'))) }, ['result services', 'goto running', 'goto status', 'exec status server systemctl']],
      [{ kind: 'result', id: 'status', result: res(seed('systemctl-status-nginx-inactive.txt'), 3) }, ['result status', 'goto config_test', 'goto nginx_test', 'result nginx_test', 'goto start_service', 'goto start_blocked', 'goto not_started', 'outcome unresolved not_started']],
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
    s = step(cat, s, { kind: 'result', id: 'httpd_conf', result: res('', 127, 'httpd: command not found\n') }).state;
    // systemd is not PID 1 (as on this build machine): no socket unit or enabled service can tell.
    const noSystemd = "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n";
    const r = step(cat, s, { kind: 'result', id: 'unit_sockets', result: res('', 1, noSystemd) });
    expect(describeEffects(r.effects)).toEqual(['result unit_sockets', 'goto service', 'ask service']);
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
      // No Listen takes :8080, so a socket unit might: none does.
      [{ kind: 'result', id: 'apache_files', result: res(apache('grep-named.txt')) }, ['result apache_files', 'goto decide', 'goto unit_sockets', 'exec unit_sockets server systemctl']],
      ...toServicesExec(),
      // No enabled service's command line names the port either (ssh's options are in /etc/default/ssh).
      [{ kind: 'result', id: 'services', result: res(SHOW.slice(SHOW.indexOf('Id=ssh.service'))) }, ['result services', 'goto running', 'goto status', 'exec status server systemctl']],
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

// systemd as PID 1 (this build machine has none: the outputs follow systemctl(1), systemd.socket(5)
// and what systemd 252 on Debian 12 prints for these commands).
describe('engine: refused flow with systemd socket units', () => {
  const withWebapp = (listen: string) =>
    LIST_SOCKETS.replace('\n\n6 sockets', `\n${listen.padEnd(31)} Stream           webapp.socket                   webapp.service\n\n7 sockets`);
  const CAT = '# /etc/systemd/system/webapp.socket\n[Unit]\nDescription=Web application socket\n\n[Socket]\nListenStream=8080\n\n[Install]\nWantedBy=sockets.target\n';
  const STATUS = [
    '○ webapp.socket - Web application socket',
    '     Loaded: loaded (/etc/systemd/system/webapp.socket; disabled; preset: enabled)',
    '     Active: inactive (dead)',
    '   Triggers: ● webapp.service',
    '     Listen: [::]:8080 (Stream)',
    '',
  ].join('\n');
  const toDecide = (after: string[]): Row[] => toDecideAt(after, 8080);

  it('an inactive socket unit whose ListenStream=8080 takes the address → start-service for the socket', () => {
    const state = walk([
      ...toDecide([]),
      [{ kind: 'result', id: 'unit_sockets', result: res(withWebapp('[::]:8080')) }, ['result unit_sockets', 'goto socket_file', 'exec socket_file server systemctl']],
      [{ kind: 'result', id: 'socket_file', result: res(CAT) }, ['result socket_file', 'goto status', 'exec status server systemctl']],
      [{ kind: 'result', id: 'status', result: res(STATUS, 3) }, ['result status', 'goto config_test', 'goto start_service', 'outcome fix start-service']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error(`expected a fix, got ${JSON.stringify(o)}`);
    expect(o.fix.cause).toContain('webapp.socket is not running (Active: inactive (dead))');
    expect(o.fix.fix[0]).toContain('(/etc/systemd/system/webapp.socket:5)');
    expect(o.fix.fix[0]).toContain('starts webapp.service on the first connection');
    expect(o.fix.fix[1]).toBe('Start it: sudo systemctl start webapp.socket; and start it at boot: sudo systemctl enable webapp.socket');
    expect(o.fix.apply?.steps.map((st) => st.argv.join(' '))).toEqual(['systemctl start -- webapp.socket']);
    expect(o.fix.evidence.flatMap((e) => e.lines)).toContain('/etc/systemd/system/webapp.socket:5: ListenStream=8080');
  });

  it('a socket unit whose drop-in moves it to 127.0.0.1:8080 → not started, naming the drop-in line', () => {
    const cat = `${CAT}\n# /etc/systemd/system/webapp.socket.d/override.conf\n[Socket]\nListenStream=\nListenStream=127.0.0.1:8080\n`;
    const state = walk([
      ...toDecide([]),
      [{ kind: 'result', id: 'unit_sockets', result: res(withWebapp('127.0.0.1:8080')) }, ['result unit_sockets', 'goto socket_file', 'exec socket_file server systemctl']],
      [{ kind: 'result', id: 'socket_file', result: res(cat) }, ['result socket_file', 'goto status', 'exec status server systemctl']],
      [{ kind: 'result', id: 'status', result: res(STATUS.replace('[::]:8080', '127.0.0.1:8080'), 3) }, ['result status', 'goto config_test', 'goto start_service', 'goto start_blocked', 'goto not_started', 'outcome unresolved not_started']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'unresolved') throw new Error('expected unresolved');
    expect(o.end.checked.join('\n')).toContain('webapp.socket, once started, would not take 198.18.2.10:8080 (loopback-only); it listens on: /etc/systemd/system/webapp.socket.d/override.conf:3: ListenStream=127.0.0.1:8080');
    expect(o.end.nextSteps[0]).toContain('Set ListenStream=8080 (all addresses) in place of /etc/systemd/system/webapp.socket.d/override.conf:3');
  });

  it('a socket unit installed but not loaded (ssh.socket, ListenStream=22, disabled) → start-service for it, read from disk', () => {
    const STATUS_SSH = ['○ ssh.socket - OpenBSD Secure Shell server socket', '     Loaded: loaded (/lib/systemd/system/ssh.socket; disabled; preset: enabled)', '     Active: inactive (dead)', '   Triggers: ● ssh.service', '     Listen: [::]:22 (Stream)', ''].join('\n');
    const ev = start('http://example:22/');
    const state = walk([
      [ev.kind === 'start' ? { ...ev, target: { ...ev.target, scheme: 'tcp', url: 'tcp://example:22' } } : ev, ['goto probe_tcp', 'exec probe_tcp client nc']],
      [{ kind: 'result', id: 'probe_tcp', result: res('', 1, 'nc: connect to example port 22 (tcp) failed: Connection refused\n') }, ['result probe_tcp', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
      ...gather('State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n', ['goto which_conf', 'goto nginx_conf', 'exec nginx_conf server root nginx']),
      [{ kind: 'result', id: 'nginx_conf', result: res('', 127, 'nginx: command not found\n') }, ['result nginx_conf', 'goto apache_conf', 'exec apache_conf server root apache2ctl']],
      ...noApache(['goto decide', 'goto unit_sockets', 'exec unit_sockets server systemctl']),
      [{ kind: 'result', id: 'unit_sockets', result: res(LIST_SOCKETS) }, ['result unit_sockets', 'goto socket_unit_files', 'exec socket_unit_files server systemctl']],
      [{ kind: 'result', id: 'socket_unit_files', result: res(UNIT_FILES_SOCKETS) }, ['result socket_unit_files', 'goto socket_files', 'exec socket_files server systemctl']],
      [{ kind: 'result', id: 'socket_files', result: res(CAT_SOCKETS) }, ['result socket_files', 'goto socket_file', 'exec socket_file server systemctl']],
      [{ kind: 'result', id: 'socket_file', result: res(CAT_SOCKETS.slice(0, CAT_SOCKETS.indexOf('# /lib/systemd/system/syslog.socket'))) }, ['result socket_file', 'goto status', 'exec status server systemctl']],
      [{ kind: 'result', id: 'status', result: res(STATUS_SSH, 3) }, ['result status', 'goto config_test', 'goto start_service', 'outcome fix start-service']],
    ]);
    // The installed units the list did not show, eight slots (the first repeated): templates and loaded ones left out.
    expect(state.checks.find((c) => c.id === 'socket_files')?.argv).toEqual(['systemctl', 'cat', '--', 'ssh.socket', 'syslog.socket', 'systemd-fsckd.socket', 'systemd-journald-audit.socket', 'systemd-networkd.socket', 'systemd-rfkill.socket', 'ssh.socket', 'ssh.socket']);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error(`expected a fix, got ${JSON.stringify(o)}`);
    expect(state.questions).toBe(0);
    expect(o.fix.fix[0]).toContain('The socket unit ssh.socket is configured for *:22 (/lib/systemd/system/ssh.socket:7) but is not listening');
    // Accept=no and no Service=: it starts ssh.service.
    expect(o.fix.fix[0]).toContain('starts ssh.service on the first connection');
    expect(o.fix.fix[1]).toBe('Start it: sudo systemctl start ssh.socket; and start it at boot: sudo systemctl enable ssh.socket');
  });

  it('systemd, no socket unit, no service for the port, no nginx or Apache → an honest end listing what the host serves, no question', () => {
    const state = walk([
      ...toDecideAt([], 9000),
      ...toServicesExec(),
      [{ kind: 'result', id: 'services', result: res(SHOW) }, ['result services', 'goto nothing_configured', 'outcome unresolved nothing_configured']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'unresolved') throw new Error('expected unresolved');
    expect(o.end.checked[0]).toBe('nothing listens on :9000; the host listens on: 0.0.0.0:22 sshd');
    // The services for other ports are listed, not blamed; ssh's port is not told by its command line.
    expect(o.end.checked[2]).toBe(
      'enabled services: webapp.service (0.0.0.0:8080), metrics.service (0.0.0.0:8081), ssh.service (port not told: its options include $SSHD_OPTS: SSHD_OPTS may be set in EnvironmentFile=/etc/default/ssh, which tshoot does not read)',
    );
    expect(state.questions).toBe(0);
  });
});

// An enabled service whose command line names the port (models/systemd-service.ts), fed the
// `systemctl show` and `journalctl` outputs of test/fixtures/systemd (its README says whence).
describe('engine: refused flow with an enabled service configured for the port', () => {
  const STATUS_FAILED = [
    '× webapp.service - Web application',
    '     Loaded: loaded (/etc/systemd/system/webapp.service; enabled; preset: enabled)',
    '     Active: failed (Result: exit-code) since Tue 2026-12-01 18:02:11 UTC; 3min ago',
    '    Process: 912 ExecStart=/usr/bin/python3 -m http.server 8080 (code=exited, status=200/CHDIR)',
    '   Main PID: 912 (code=exited, status=200/CHDIR)',
    '',
  ].join('\n');
  const STATUS_DEAD = ['○ metrics.service - Metrics page', '     Loaded: loaded (/etc/systemd/system/metrics.service; enabled; preset: enabled)', '     Active: inactive (dead)', ''].join('\n');
  const toServices = (port: number, show = SHOW): Row[] => [
    ...toDecideAt([], port),
    ...toServicesExec(),
    [{ kind: 'result', id: 'services', result: res(show) }, ['result services', 'goto status', 'exec status server systemctl']],
  ];

  it('a failed service whose ExecStart= serves :8080 on every address → start-service (restart) with its journal, 0 questions', () => {
    const state = walk([
      ...toServices(8080),
      [{ kind: 'result', id: 'status', result: res(STATUS_FAILED, 3) }, ['result status', 'goto config_test', 'goto unit_journal', 'exec unit_journal server root journalctl']],
      [{ kind: 'result', id: 'unit_journal', result: res(JOURNAL) }, ['result unit_journal', 'goto start_service', 'outcome fix start-service']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error(`expected a fix, got ${JSON.stringify(o)}`);
    expect(state.questions).toBe(0);
    expect(o.fix.cause).toContain('webapp.service is not running (Active: failed (Result: exit-code)');
    expect(o.fix.fix[0]).toBe(
      "webapp.service is enabled and its command line configures it for 0.0.0.0:8080 (http.server 8080 (http.server's default address 0.0.0.0); /etc/systemd/system/webapp.service), which takes 198.18.2.10:8080, and the host firewall lets the connection through; it failed (Result=exit-code): its journal lines below say why, so fix that first",
    );
    expect(o.fix.fix[1]).toBe('Then restart it: sudo systemctl restart webapp.service');
    const lines = o.fix.evidence.flatMap((e) => e.lines);
    expect(lines).toContain("/etc/systemd/system/webapp.service: ExecStart=/usr/bin/python3 -m http.server 8080 → http.server 8080 (http.server's default address 0.0.0.0)");
    expect(lines).toContain('Dec 01 18:02:11 web1 systemd[912]: webapp.service: Failed at step CHDIR spawning /usr/bin/python3: No such file or directory');
    // metrics.service (configured for :8081) is not named.
    expect(JSON.stringify(o.fix)).not.toContain('metrics');
    expect(o.fix.apply?.steps.map((st) => st.argv.join(' '))).toEqual(['systemctl start -- webapp.service']);
  });

  it('the same card in Japanese', () => {
    const rows = toServices(8080);
    const [first] = rows[0]!;
    const state = walk([
      [first.kind === 'start' ? { ...first, lang: 'ja' } : first, rows[0]![1]],
      ...rows.slice(1),
      [{ kind: 'result', id: 'status', result: res(STATUS_FAILED, 3) }, ['result status', 'goto config_test', 'goto unit_journal', 'exec unit_journal server root journalctl']],
      [{ kind: 'result', id: 'unit_journal', result: res(JOURNAL) }, ['result unit_journal', 'goto start_service', 'outcome fix start-service']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error('expected a fix');
    expect(o.fix.fix[0]).toContain('webapp.service は enabled で、コマンドラインにより 0.0.0.0:8080 で待ち受ける設定');
    expect(o.fix.fix[1]).toBe('その後再起動: sudo systemctl restart webapp.service');
  });

  it('an inactive enabled service for :8081 → start-service without a journal; the failed one for :8080 is not blamed', () => {
    const state = walk([
      ...toServices(8081),
      [{ kind: 'result', id: 'status', result: res(STATUS_DEAD, 3) }, ['result status', 'goto config_test', 'goto start_service', 'outcome fix start-service']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error('expected a fix');
    expect(state.questions).toBe(0);
    expect(o.fix.fix[0]).toContain('metrics.service is enabled and its command line configures it for 0.0.0.0:8081 (http.server 8081 --bind 0.0.0.0; /etc/systemd/system/metrics.service)');
    expect(o.fix.fix[1]).toBe('Start it: sudo systemctl start metrics.service');
    expect(JSON.stringify(o.fix)).not.toContain('webapp');
  });

  it('a service for the port on loopback only → not started, naming its command line, no fix', () => {
    const state = walk([
      ...toServices(8081, SHOW.replace('http.server 8081 --bind 0.0.0.0', 'http.server 8081 --bind 127.0.0.1')),
      [{ kind: 'result', id: 'status', result: res(STATUS_DEAD, 3) }, ['result status', 'goto config_test', 'goto start_service', 'goto start_blocked', 'goto not_started', 'outcome unresolved not_started']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'unresolved') throw new Error('expected unresolved');
    expect(o.end.checked[1]).toBe(
      'metrics.service, once started, would not take 198.18.2.10:8081 (loopback-only); it listens on: /etc/systemd/system/metrics.service: ExecStart=/usr/bin/python3 -m http.server 8081 --bind 127.0.0.1 → http.server 8081 --bind 127.0.0.1',
    );
    expect(o.end.nextSteps[0]).toContain('Make metrics.service listen on 198.18.2.10:8081 or on all addresses');
    expect(state.questions).toBe(0);
  });

  it('a service whose command line tells the port but not the address (node, PORT=3000) → not started, saying so, no fix', () => {
    const node = [
      'Id=api.service',
      'ExecStart={ path=/usr/bin/node ; argv[]=/usr/bin/node /srv/api/server.js ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
      'Environment=NODE_ENV=production PORT=3000',
      'ActiveState=inactive',
      'SubState=dead',
      'Result=success',
      'UnitFileState=enabled',
      'FragmentPath=/etc/systemd/system/api.service',
      '',
    ].join('\n');
    const state = walk([
      ...toServices(3000, `${node}\n${SHOW}`),
      [{ kind: 'result', id: 'status', result: res(STATUS_DEAD.replaceAll('metrics', 'api'), 3) }, ['result status', 'goto config_test', 'goto start_service', 'goto start_blocked', 'goto not_started', 'outcome unresolved not_started']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'unresolved') throw new Error('expected unresolved');
    expect(o.end.title).toBe('api.service is not running, and whether starting it would make 198.18.2.10:3000 answer is not known');
    expect(o.end.checked[1]).toBe(
      'api.service, once started, would not take 198.18.2.10:3000 (its command line does not tell the address); it listens on: /etc/systemd/system/api.service: ExecStart=/usr/bin/node /srv/api/server.js → PORT=3000 (Environment=)',
    );
    expect(state.questions).toBe(0);
  });

  /** nginx running on :80 (its listen 80), refused on :PORT: from the probe through the socket units to `systemctl show`. */
  const nginxOn80 = (port: number): Row[] => {
    const ss = 'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nLISTEN 0      511          0.0.0.0:80        0.0.0.0:*     users:(("nginx",pid=2266,fd=6),("nginx",pid=2265,fd=6))\n';
    const ps = '   2265     0     0 nginx: master process /usr/sbin/nginx -g daemon on; master_process on;\n   2266    33    33 nginx: worker process\n';
    const conf = `# configuration file /etc/nginx/conf.d/server.conf:\n${seed('nginx-server-conf.txt').replace(/^\$.*\n/m, '').replace('listen 127.0.0.1:80', 'listen 80')}`;
    return [
      [start(`http://example:${port}/`), ['goto probe_http', 'exec probe_http client curl']],
      [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, `curl: (7) Failed to connect to example port ${port} after 2 ms: Connection refused\n`) }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
      ...gather(ss, ['goto which_conf', 'goto processes', 'exec processes server ps']),
      [{ kind: 'result', id: 'processes', result: res(ps) }, ['result processes', 'goto nginx_conf', 'exec nginx_conf server root nginx']],
      [{ kind: 'result', id: 'nginx_conf', result: res(conf) }, ['result nginx_conf', 'goto apache_conf', 'exec apache_conf server root apache2ctl']],
      ...noApache(['goto decide', 'goto unit_sockets', 'exec unit_sockets server systemctl']),
      ...toServicesExec(),
    ];
  };

  it('nginx running on :80 and a failed service for :8080: the service gets the card, nginx is not blamed (no port-mismatch)', () => {
    const state = walk([
      ...nginxOn80(8080),
      [{ kind: 'result', id: 'services', result: res(SHOW) }, ['result services', 'goto status', 'exec status server systemctl']],
      [{ kind: 'result', id: 'status', result: res(STATUS_FAILED, 3) }, ['result status', 'goto config_test', 'goto unit_journal', 'exec unit_journal server root journalctl']],
      [{ kind: 'result', id: 'unit_journal', result: res(JOURNAL) }, ['result unit_journal', 'goto start_service', 'outcome fix start-service']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error(`expected a fix, got ${JSON.stringify(o)}`);
    expect(o.fix.cause).toContain('webapp.service is not running');
    expect(state.questions).toBe(0);
  });

  it('nginx running on :80, no service for :9000 either → port-mismatch for nginx, as before', () => {
    const state = walk([...nginxOn80(9000), [{ kind: 'result', id: 'services', result: res(SHOW) }, ['result services', 'goto running', 'goto port_mismatch', 'outcome fix port-mismatch']]]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error('expected a fix');
    expect(o.fix.cause).toContain('nginx runs and listens on 0.0.0.0:80');
  });

  it('Apache installed but not for :8080: the failed service for :8080 gets the card, Apache is not blamed', () => {
    const apache = (name: string) => readFileSync(new URL(`../fixtures/apache/${name}`, import.meta.url), 'utf8');
    const rows = toServices(8080);
    const at = rows.findIndex(([ev]) => ev.kind === 'result' && ev.id === 'apache_conf');
    const state = walk([
      ...rows.slice(0, at),
      [{ kind: 'result', id: 'apache_conf', result: res(apache('dump-named.txt')) }, ['result apache_conf', 'goto apache_files', 'exec apache_files server root grep']],
      [{ kind: 'result', id: 'apache_files', result: res(apache('grep-named.txt')) }, ['result apache_files', 'goto decide', 'goto unit_sockets', 'exec unit_sockets server systemctl']],
      ...rows.slice(at + 2),
      [{ kind: 'result', id: 'status', result: res(STATUS_FAILED, 3) }, ['result status', 'goto config_test', 'goto unit_journal', 'exec unit_journal server root journalctl']],
      [{ kind: 'result', id: 'unit_journal', result: res(JOURNAL) }, ['result unit_journal', 'goto start_service', 'outcome fix start-service']],
    ]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error('expected a fix');
    expect(o.fix.cause).toContain('webapp.service is not running');
    expect(state.questions).toBe(0);
  });
});

describe('engine: refused flow, Apache on an address the client does not use', () => {
  const apache = (name: string) => readFileSync(new URL(`../fixtures/apache/${name}`, import.meta.url), 'utf8');
  const SS = 'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nLISTEN 0      511        127.0.0.1:18291      0.0.0.0:*     users:(("apache2",pid=4102,fd=3),("apache2",pid=4101,fd=3),("apache2",pid=4100,fd=3))\n';
  const toDecide = (grep: string): Row[] => [
    [start('http://example:18291/'), ['goto probe_http', 'exec probe_http client curl']],
    [{ kind: 'result', id: 'probe_http', result: res('000\n', 7, 'curl: (7) Failed to connect to example port 18291 after 1 ms: Connection refused\n') }, ['result probe_http', 'goto classify', 'goto listeners', 'exec listeners server root ss']],
    ...gather(SS, ['goto which_conf', 'goto nginx_conf', 'exec nginx_conf server root nginx']),
    [{ kind: 'result', id: 'nginx_conf', result: res('', 127, 'nginx: command not found\n') }, ['result nginx_conf', 'goto apache_conf', 'exec apache_conf server root apache2ctl']],
    [{ kind: 'result', id: 'apache_conf', result: res(apache('dump-named.txt')) }, ['result apache_conf', 'goto apache_files', 'exec apache_files server root grep']],
    [{ kind: 'result', id: 'apache_files', result: res(grep) }, ['result apache_files', 'goto decide', 'goto init_system', 'exec init_system server ps']],
  ];

  it('Listen 127.0.0.1:18291 → bind-all-interfaces on that Listen line, with a backed-up apply', () => {
    const state = walk([...toDecide(apache('grep-named.txt')), [{ kind: 'result', id: 'init_system', result: res('systemd\n') }, ['result init_system', 'goto bind_all_interfaces', 'outcome fix bind-all-interfaces']]]);
    const o = state.outcome;
    if (o?.kind !== 'fix') throw new Error(`expected a fix, got ${JSON.stringify(o)}`);
    expect(o.fix.config).toBe('/tmp/apfx/conf/ports.conf:1');
    expect(o.fix.fix).toEqual([
      'In /tmp/apfx/conf/ports.conf:1 change `Listen 127.0.0.1:18291` to `Listen 18291` (all addresses, IPv4 and IPv6)',
      'sudo apache2ctl configtest && sudo systemctl restart apache2',
    ]);
    expect(o.fix.apply?.steps.map((st) => st.argv.join(' '))).toEqual([
      'sed -i -e 1s/127\\.0\\.0\\.1:18291/18291/ -- /tmp/apfx/conf/ports.conf',
      'apache2ctl -t',
      'systemctl restart -- apache2',
    ]);
    expect(o.fix.apply?.steps[0]?.backup).toBe('/tmp/apfx/conf/ports.conf');
    expect(o.fix.apply?.rollback.map((st) => st.argv.join(' '))).toEqual(['apache2ctl -t', 'systemctl restart -- apache2']);
    expect(o.fix.evidence.map((e) => e.lines)).toEqual([[expect.stringContaining('127.0.0.1:18291')], ['/tmp/apfx/conf/ports.conf:1: Listen 127.0.0.1:18291']]);
  });

  it('a second Listen [::1]:18291 would keep the rewritten wildcard from binding → wrong-address end, no card', () => {
    const grep = apache('grep-named.txt').replace('ports.conf:2:Listen [::1]:18292', 'ports.conf:2:Listen [::1]:18291');
    const state = walk([...toDecide(grep), [{ kind: 'result', id: 'init_system', result: res('systemd\n') }, ['result init_system', 'goto bind_all_interfaces', 'goto wrong_address', 'outcome unresolved wrong_address']]]);
    expect(state.outcome?.kind).toBe('unresolved');
  });
});

/**
 * models/nginx-process.ts: which nginx master's `-c` a flow may pass to `nginx -T` as root.
 * The lab test (test/lab/untrusted-nginx.test.ts) plays the attack for real; these cases pin
 * each condition down on `ps` and `ss` output.
 */
import { describe, expect, it } from 'vitest';
import { nginxExeTrusted, nginxMaster } from '../../src/models/nginx-process.js';
import { psOwnersParser } from '../../src/parsers/ps-owners.js';
import { ssParser } from '../../src/parsers/ss.js';

const ss = (text: string) => ssParser.parse(text).sockets;
const ps = (text: string) => psOwnersParser.parse(text).processes;

const SS_ROOT_NGINX = [
  'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process',
  'LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    users:(("nginx",pid=1201,fd=6),("nginx",pid=1200,fd=6))',
  'LISTEN 0      128        127.0.0.1:8088      0.0.0.0:*    users:(("nginx",pid=4242,fd=3))',
].join('\n');

describe('nginxMaster', () => {
  it('trusts a master root started that holds the target port, with its absolute -c', () => {
    const m = nginxMaster(
      ps('   1200     0     0 nginx: master process /usr/sbin/nginx -c /etc/nginx/alt.conf -g daemon on; master_process on;\n   1201    33    33 nginx: worker process'),
      ss(SS_ROOT_NGINX),
      80,
    );
    expect(m).toMatchObject({ found: true, pid: 1200, conf: '/etc/nginx/alt.conf', reason: '' });
  });

  it('refuses a master another user started (the attack: a fake nginx with a listening socket)', () => {
    const m = nginxMaster(ps('   4242 65534 65534 nginx: master process nginx -c /home/eve/evil.conf -lk 8088'), ss(SS_ROOT_NGINX), 80);
    expect(m.found).toBe(false);
    expect(m.conf).toBe('');
    expect(m.reason).toMatch(/not started by root.*pid 4242 ruid 65534/);
  });

  it('refuses a set-uid program run by a user (euid 0, the user\'s ruid)', () => {
    const m = nginxMaster(ps('   4242 65534     0 nginx: master process nginx -c /home/eve/evil.conf'), ss(SS_ROOT_NGINX), 80);
    expect(m.found).toBe(false);
  });

  it('ignores a root master that holds no listening socket here (another namespace, a container)', () => {
    const m = nginxMaster(ps('   777     0     0 nginx: master process nginx -c /srv/other/nginx.conf'), ss(SS_ROOT_NGINX), 80);
    expect(m.found).toBe(false);
  });

  it('prefers the master on the target port; a trusted one elsewhere still counts', () => {
    const procs = ps('   1200     0     0 nginx: master process nginx -c /etc/nginx/a.conf\n   4242     0     0 nginx: master process nginx -c /etc/nginx/b.conf');
    expect(nginxMaster(procs, ss(SS_ROOT_NGINX), 80).conf).toBe('/etc/nginx/a.conf');
    expect(nginxMaster(procs, ss(SS_ROOT_NGINX), 8088).conf).toBe('/etc/nginx/b.conf');
    // Neither on the port: two masters disagree, so no -c is used.
    const m = nginxMaster(procs, ss(SS_ROOT_NGINX), 443);
    expect(m).toMatchObject({ found: true, conf: '' });
    expect(m.reason).toMatch(/several nginx masters/);
  });

  it('uses no -c when there is none, or it is relative or odd', () => {
    const sock = ss(SS_ROOT_NGINX);
    expect(nginxMaster(ps('   1200 0 0 nginx: master process /usr/sbin/nginx'), sock, 80)).toMatchObject({ found: true, conf: '', reason: 'started without -c' });
    expect(nginxMaster(ps('   1200 0 0 nginx: master process nginx -c conf/nginx.conf'), sock, 80).conf).toBe('');
    expect(nginxMaster(ps('   1200 0 0 nginx: master process nginx -c /etc/nginx/$(id).conf'), sock, 80).conf).toBe('');
    expect(nginxMaster(ps('   1200 0 0 nginx: master process nginx -c/etc/nginx/x.conf'), sock, 80).conf).toBe('/etc/nginx/x.conf');
  });
});

describe('nginxExeTrusted', () => {
  it.each([
    ['/usr/sbin/nginx\n', true],
    ['/usr/sbin/nginx (deleted)\n', true],
    ['/usr/local/nginx/sbin/nginx', true],
    ['/usr/local/sbin/nginx', true],
    ['/usr/bin/su\n', false],
    ['/home/eve/nginx', false],
    ['/tmp/x/nginx', false],
    ['readlink: /proc/4242/exe: No such file or directory', false],
    ['', false],
  ])('%j → %s', (out, ok) => expect(nginxExeTrusted(out)).toBe(ok));
});

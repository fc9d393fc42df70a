import { describe, it, expect } from 'vitest';
import { psParser } from '../../src/parsers/ps.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(psParser, text);

describe('ps parser', () => {
  it('captured: `ps -eo pid,comm,args` on this machine (no systemd)', () => {
    const text = fixture('captured/ps-eo.txt');
    const { processes } = parse(text);
    expect(processes).toHaveLength(text.trimEnd().split('\n').length - 1);
    expect(processes[0]).toMatchObject({ pid: 1, comm: 'process_api' });
    expect(processes[0]!.args.startsWith('/process_api --firecracker-init')).toBe(true);
    // A 15-character comm fills its column: the args start right after one space.
    expect(processes[2]).toMatchObject({ pid: 3, comm: 'pool_workqueue_', args: '[pool_workqueue_release]' });
    expect(processes.every((p) => p.pid > 0 && p.comm !== '' && p.line.includes(p.args))).toBe(true);
  });

  it('keeps spaces inside comm when the header gives the columns', () => {
    const { processes } = parse(
      ['    PID COMMAND         COMMAND', '   2266 nginx           nginx: master process /usr/sbin/nginx -g daemon on;', '4000000 Web Content     /usr/lib/firefox/firefox -contentproc'].join('\n'),
    );
    expect(processes.map((p) => [p.pid, p.comm, p.args])).toEqual([
      [2266, 'nginx', 'nginx: master process /usr/sbin/nginx -g daemon on;'],
      [4000000, 'Web Content', '/usr/lib/firefox/firefox -contentproc'],
    ]);
  });

  it('reads lines without a header (grep, `pid=,comm=,args=`)', () => {
    const { processes } = parse('   2266 nginx           nginx: master process /usr/sbin/nginx\n  714 sshd /usr/sbin/sshd -D\n');
    expect(processes.map((p) => [p.pid, p.comm, p.args])).toEqual([
      [2266, 'nginx', 'nginx: master process /usr/sbin/nginx'],
      [714, 'sshd', '/usr/sbin/sshd -D'],
    ]);
  });

  it('pathological: 100k processes capped, a header wider than every line', () => {
    const many = parse('PID COMMAND COMMAND\n' + '1 a b\n'.repeat(100_000));
    expect(many.processes).toHaveLength(10_000);
    expect(many.truncated).toBe(true);
    const wide = parse('PID COMMAND' + ' '.repeat(1_000_000) + 'COMMAND\n1 init /sbin/init\n');
    expect(wide.processes).toEqual([{ pid: 1, comm: 'init', args: '/sbin/init', line: '1 init /sbin/init' }]);
  });
});

import { describe, it, expect } from 'vitest';
import { systemctlParser } from '../../src/parsers/systemctl.js';
import { fixture, parseChecked } from './helpers.js';

const parse = (text: string) => parseChecked(systemctlParser, text);

describe('systemctl parser', () => {
  it('seed: nginx installed but never started: inactive (dead), disabled', () => {
    expect(parse(fixture('seed/systemctl-status-nginx-inactive.txt'))).toEqual({
      unit: 'nginx.service',
      loaded: 'loaded',
      enabled: 'disabled',
      active: 'inactive',
      sub: 'dead',
      result: '',
      active_line: '     Active: inactive (dead)',
      found: true,
      no_systemd: false,
    });
  });

  it('seed: after `systemctl start nginx`: active (running)', () => {
    expect(parse(fixture('seed/systemctl-status-nginx-active.txt'))).toEqual({
      unit: 'nginx.service',
      loaded: 'loaded',
      enabled: 'disabled',
      active: 'active',
      sub: 'running',
      result: '',
      active_line: '     Active: active (running) since Fri 2023-07-21 14:02:08 UTC; 3s ago',
      found: true,
      no_systemd: false,
    });
  });

  it('captured: `systemctl status` and `is-active` where systemd is not PID 1', () => {
    for (const f of ['captured/systemctl-status-no-systemd.txt', 'captured/systemctl-is-active-no-systemd.txt']) {
      expect(parse(fixture(f))).toMatchObject({ active: 'unknown', found: false, no_systemd: true, active_line: '' });
    }
  });

  it('reads `systemctl is-active` alone', () => {
    expect(parse('active\n')).toMatchObject({ unit: '', active: 'active', found: true, active_line: 'active' });
    expect(parse('failed\n')).toMatchObject({ active: 'failed', found: true });
    // is-active says `inactive` for units that do not exist too; only status can tell.
    expect(parse('inactive\n')).toMatchObject({ active: 'inactive', found: true });
    expect(parse('unknown\n')).toMatchObject({ active: 'unknown', found: false });
  });

  it('reads a failed unit with its result, and a restarting one', () => {
    const failed = parse(
      [
        '× nginx.service - A high performance web server and a reverse proxy server',
        '     Loaded: loaded (/lib/systemd/system/nginx.service; enabled; vendor preset: enabled)',
        '     Active: failed (Result: exit-code) since Fri 2023-07-21 14:02:08 UTC; 3s ago',
        '    Process: 1234 ExecStartPre=/usr/sbin/nginx -t -q -g daemon on; master_process on; (code=exited, status=1/FAILURE)',
        '',
        'Jul 21 14:02:08 host nginx[1234]: Active: active (running)',
      ].join('\n'),
    );
    expect(failed).toMatchObject({ unit: 'nginx.service', enabled: 'enabled', active: 'failed', sub: 'failed', result: 'exit-code', found: true });
    const restarting = parse('* app.service - App\n   Loaded: loaded (/etc/systemd/system/app.service; enabled)\n   Active: activating (auto-restart) (Result: exit-code) since Fri 2023-07-21\n');
    expect(restarting).toMatchObject({ unit: 'app.service', active: 'activating', sub: 'auto-restart', result: 'exit-code' });
  });

  it('reports missing units as not found', () => {
    expect(parse('Unit nosuch.service could not be found.\n')).toMatchObject({ unit: 'nosuch.service', found: false, active: 'unknown' });
    const notFound = parse('○ nosuch.service\n     Loaded: not-found (Reason: Unit nosuch.service not found.)\n     Active: inactive (dead)\n');
    expect(notFound).toMatchObject({ unit: 'nosuch.service', loaded: 'not-found', enabled: '', active: 'inactive', found: false });
  });

  it('pathological: huge parentheses and repeated headers', () => {
    const v = parse('Active: active (' + '('.repeat(2_000_000) + '\n' + 'Loaded: loaded (' + ';'.repeat(1_000_000));
    expect(v.active).toBe('active');
    expect(v.sub.length).toBeGreaterThan(0);
    const many = parse('Active: inactive (dead)\n'.repeat(100_000));
    expect(many).toMatchObject({ active: 'inactive', sub: 'dead', active_line: 'Active: inactive (dead)' });
  });
});

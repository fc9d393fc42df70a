/**
 * systemctl list-sockets / cat / list-unit-files, as systemd 252 (Debian 12) prints them (this build
 * machine has no systemd as PID 1: the outputs follow systemctl(1) and systemd.socket(5)).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { systemctlShowParser, systemdSocketsParser, systemdUnitFilesParser, systemdUnitParser, systemdUnitsParser } from '../../src/parsers/systemd-units.js';

const NO_SYSTEMD = "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n";

describe('systemctl-sockets', () => {
  it('reads LISTEN, TYPE, UNIT, ACTIVATES and the port of IP addresses', () => {
    const out = systemdSocketsParser.parse(
      [
        'LISTEN                          TYPE             UNIT                            ACTIVATES',
        '/run/dbus/system_bus_socket     Stream           dbus.socket                     dbus.service',
        'kobject-uevent 1                Netlink          systemd-udevd-kernel.socket     systemd-udevd.service',
        '[::]:22                         Stream           ssh.socket                      ssh.service',
        '127.0.0.1:8080                  Stream           webapp.socket                   webapp.service',
        '0.0.0.0:53                      Datagram         dnsd.socket                     dnsd.service',
        '',
        '5 sockets listed.',
      ].join('\n'),
    );
    expect(out.no_systemd).toBe(false);
    expect(out.sockets.map((s) => [s.listen, s.type, s.unit, s.activates, s.port])).toEqual([
      ['/run/dbus/system_bus_socket', 'Stream', 'dbus.socket', 'dbus.service', 0],
      ['kobject-uevent 1', 'Netlink', 'systemd-udevd-kernel.socket', 'systemd-udevd.service', 0],
      ['[::]:22', 'Stream', 'ssh.socket', 'ssh.service', 22],
      ['127.0.0.1:8080', 'Stream', 'webapp.socket', 'webapp.service', 8080],
      ['0.0.0.0:53', 'Datagram', 'dnsd.socket', 'dnsd.service', 53],
    ]);
  });

  it('reads the listing without --show-types, and an Accept=yes socket that activates no one unit', () => {
    const out = systemdSocketsParser.parse('LISTEN   UNIT        ACTIVATES\n[::]:22  ssh.socket  \n\n1 sockets listed.\n');
    expect(out.sockets).toEqual([{ listen: '[::]:22', type: '', unit: 'ssh.socket', activates: '', port: 22, line: '[::]:22  ssh.socket  ' }]);
  });

  it('says when systemd is not PID 1', () => {
    expect(systemdSocketsParser.parse(NO_SYSTEMD)).toEqual({ sockets: [], no_systemd: true });
  });
});

describe('systemd-unit (systemctl cat)', () => {
  it('reads the file and drop-ins with file:line; an empty ListenStream= clears the earlier ones', () => {
    const out = systemdUnitParser.parse(
      [
        '# /lib/systemd/system/webapp.socket',
        '[Unit]',
        'Description=Web application socket',
        '',
        '[Socket]',
        'ListenStream=8080',
        'ListenStream=[::1]:8080',
        'BindIPv6Only=both',
        '',
        '# /etc/systemd/system/webapp.socket.d/override.conf',
        '[Socket]',
        '# moved to loopback',
        'ListenStream=',
        'ListenStream=127.0.0.1:8080',
        'BindToDevice=lo',
      ].join('\n'),
    );
    expect(out.found).toBe(true);
    expect(out.files).toEqual(['/lib/systemd/system/webapp.socket', '/etc/systemd/system/webapp.socket.d/override.conf']);
    expect(out.listen_streams).toEqual([{ file: '/etc/systemd/system/webapp.socket.d/override.conf', line: 4, section: 'Socket', key: 'ListenStream', value: '127.0.0.1:8080' }]);
    expect(out.bind_ipv6_only).toBe('both');
    expect(out.bind_to_device).toBe('lo');
    expect(out.settings.find((s) => s.key === 'Description')).toMatchObject({ line: 2, section: 'Unit' });
  });

  it('joins continued lines, and ignores keys outside [Socket]', () => {
    const out = systemdUnitParser.parse('# /etc/systemd/system/a.socket\n[Service]\nListenStream=1\n[Socket]\nListenStream=\\\n  9000\n');
    expect(out.listen_streams.map((l) => [l.value, l.line])).toEqual([['9000', 4]]);
  });

  it('says when systemd is not PID 1, or no unit was printed', () => {
    expect(systemdUnitParser.parse(NO_SYSTEMD)).toMatchObject({ found: false, no_systemd: true, listen_streams: [] });
    expect(systemdUnitParser.parse('No files found for nosuch.socket.\n')).toMatchObject({ found: false, no_systemd: false });
  });
});

describe('systemctl-unit-files', () => {
  it('reads the units and their state, not the header or footer', () => {
    const out = systemdUnitFilesParser.parse('UNIT FILE                          STATE   PRESET\ncron.service                       enabled enabled\nssh.service                        enabled enabled\n\n2 unit files listed.\n');
    expect(out).toEqual({ units: [{ unit: 'cron.service', state: 'enabled' }, { unit: 'ssh.service', state: 'enabled' }], no_systemd: false });
    expect(systemdUnitFilesParser.parse(NO_SYSTEMD).no_systemd).toBe(true);
  });
});

describe('systemctl-unit-files on this machine', () => {
  it('reads `list-unit-files --type=socket` as captured here (test/fixtures/systemd)', () => {
    const out = systemdUnitFilesParser.parse(readFileSync(new URL('../fixtures/systemd/list-unit-files-sockets.txt', import.meta.url), 'utf8'));
    expect(out.units).toHaveLength(12);
    expect(out.units.filter((u) => u.state === 'disabled').map((u) => u.unit)).toEqual(['ssh.socket', 'systemd-networkd.socket']);
  });
});

describe('systemctl-show', () => {
  const SHOW = readFileSync(new URL('../fixtures/systemd/show-services.txt', import.meta.url), 'utf8');

  it('reads one unit per block: state, the command as path and arguments, environment and its files', () => {
    const out = systemctlShowParser.parse(SHOW);
    expect(out.no_systemd).toBe(false);
    expect(out.units.map((u) => u.unit)).toEqual(['webapp.service', 'metrics.service', 'ssh.service', 'nginx.service']);
    expect(out.units[0]).toEqual({
      unit: 'webapp.service',
      active_state: 'failed',
      sub_state: 'failed',
      result: 'exit-code',
      unit_file_state: 'enabled',
      fragment_path: '/etc/systemd/system/webapp.service',
      exec_start: ['/usr/bin/python3 -m http.server 8080'],
      environment: ['PYTHONUNBUFFERED=1'],
      environment_files: [],
    });
    expect(out.units[2]?.environment_files).toEqual(['-/etc/default/ssh']);
    // argv holds ` ; ` itself (nginx -g 'daemon on; master_process on;'): the last field mark ends it.
    expect(out.units[3]?.exec_start).toEqual(['/usr/sbin/nginx -g daemon on; master_process on;']);
  });

  it('keeps every ExecStart= line, quoted environment words whole, and the program path over argv[0]', () => {
    const out = systemctlShowParser.parse(
      [
        'Id=a.service',
        'ExecStart={ path=/usr/bin/true ; argv[]=/usr/bin/true ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
        'ExecStart={ path=/usr/sbin/agetty ; argv[]=agetty --noclear tty1 ; flags= ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
        'Environment=PORT=8080 "GREETING=hello world"',
        'EnvironmentFiles=/etc/a.env (ignore_errors=no)',
        'Id=b.service',
        '',
      ].join('\n'),
    );
    expect(out.units.map((u) => u.unit)).toEqual(['a.service', 'b.service']);
    expect(out.units[0]?.exec_start).toEqual(['/usr/bin/true', '/usr/sbin/agetty --noclear tty1']);
    expect(out.units[0]?.environment).toEqual(['PORT=8080', 'GREETING=hello world']);
    expect(out.units[0]?.environment_files).toEqual(['/etc/a.env']);
  });

  it('says when systemd is not PID 1', () => {
    expect(systemctlShowParser.parse(NO_SYSTEMD)).toEqual({ units: [], no_systemd: true });
  });
});

describe('systemd-units', () => {
  const CAT = readFileSync(new URL('../fixtures/systemd/cat-sockets.txt', import.meta.url), 'utf8');

  it('splits `systemctl cat -- A B …` into its units, each with its ListenStream= file:line', () => {
    const out = systemdUnitsParser.parse(CAT);
    expect(out.units.map((u) => u.unit)).toEqual(['ssh.socket', 'syslog.socket', 'systemd-fsckd.socket', 'systemd-journald-audit.socket', 'systemd-networkd.socket', 'systemd-rfkill.socket']);
    expect(out.units[0]?.listen_streams).toEqual([{ file: '/lib/systemd/system/ssh.socket', line: 7, section: 'Socket', key: 'ListenStream', value: '22' }]);
    expect(out.units[2]?.listen_streams.map((l) => l.value)).toEqual(['/run/systemd/fsck.progress']);
    expect(out.units[1]?.listen_streams).toEqual([]);
  });

  it('keeps a drop-in with its unit, and a unit named twice (the flow fills its slots so) once', () => {
    const one = '# /lib/systemd/system/w.socket\n[Socket]\nListenStream=80\n\n# /etc/systemd/system/w.socket.d/override.conf\n[Socket]\nListenStream=\nListenStream=127.0.0.1:8080\n';
    const out = systemdUnitsParser.parse(`${one}\n${one}\n# /lib/systemd/system/x.socket\n[Socket]\nListenStream=9000\n`);
    expect(out.units.map((u) => [u.unit, u.files.length, u.listen_streams.map((l) => l.value)])).toEqual([
      ['w.socket', 2, ['127.0.0.1:8080']],
      ['x.socket', 1, ['9000']],
    ]);
  });

  it('says when systemd is not PID 1, and reads nothing from a unit that was not found', () => {
    expect(systemdUnitsParser.parse(NO_SYSTEMD)).toEqual({ units: [], no_systemd: true });
    expect(systemdUnitsParser.parse('No files found for nosuch.socket.\n').units).toEqual([]);
  });
});

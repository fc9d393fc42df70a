/**
 * systemctl list-sockets / cat / list-unit-files, as systemd 252 (Debian 12) prints them (this build
 * machine has no systemd as PID 1: the outputs follow systemctl(1) and systemd.socket(5)).
 */
import { describe, expect, it } from 'vitest';
import { systemdSocketsParser, systemdUnitFilesParser, systemdUnitParser } from '../../src/parsers/systemd-units.js';

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

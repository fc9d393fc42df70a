/**
 * models/nginx-listen.ts: the sockets nginx would open, asked through the socket model. The
 * differential check against real nginx is in socket-kernel.test.ts's nginx cases; these pin
 * the directive forms down.
 */
import { describe, expect, it } from 'vitest';
import { nginxSockets } from '../../src/models/nginx-listen.js';
import { acceptingSocket } from '../../src/models/socket.js';
import { nginxConfigParser } from '../../src/parsers/nginx-config.js';

const conf = nginxConfigParser.parse(`# configuration file /etc/nginx/nginx.conf:
events {}
http {
  server { listen 80; }
  server { listen [::]:8080; }
  server { listen [::]:81 ipv6only=off; }
  server { listen 127.0.0.1:82; }
  server { listen web.local:83; }
  server { listen localhost:84; }
  server { server_name bare; }
}
`);

describe('nginxSockets', () => {
  const s = nginxSockets(conf);
  it.each([
    ['198.18.2.10', 80, true, 'wildcard'],
    ['198.18.2.10', 8080, false, 'v6only'],
    ['::1', 8080, true, 'wildcard'],
    ['198.18.2.10', 81, true, 'dual-stack'],
    ['198.18.2.10', 82, false, 'loopback-only'],
    ['127.0.0.1', 82, true, 'address'],
    ['198.18.2.10', 84, false, 'loopback-only'],
    ['198.18.2.10', 85, false, 'no-listener'],
  ] as const)('a connection to %s:%i → accepts %s (%s)', (addr, port, accepts, reason) => {
    const v = acceptingSocket(s, { addr, port });
    expect({ accepts: v.accepts, reason: v.reason }).toEqual({ accepts, reason });
  });
  it('names what it cannot place', () => {
    expect(s.unknown).toEqual(['/etc/nginx/nginx.conf:7: server { listen web.local:83; }']);
  });
});

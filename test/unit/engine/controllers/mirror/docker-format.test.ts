import { describe, expect, it } from 'vitest';
import { formatCommand, formatPorts, formatSize, shortImageId } from '../../../../../src/engine/controllers/mirror/docker-format.js';

describe('docker display formats', () => {
  it.each([
    ['httpd', ['-f', '-p', '80'], 'httpd -f -p 80'],
    ['sh', [], 'sh'],
    ['sh', null, 'sh'],
    ['sh', ['-c', 'sleep 1d'], "sh -c 'sleep 1d'"],
  ])('formats command %s %j', (path, args, expected) => {
    expect(formatCommand(path, args)).toBe(expected);
  });

  it.each([
    [[], ''],
    [[{ name: '80/tcp' }], '80/tcp'],
    [[{ name: '80/tcp', bindings: [] }], '80/tcp'],
    [[{ name: '80/tcp', bindings: [{ hostIP: '127.0.0.1', hostPort: '18090' }] }], '127.0.0.1:18090->80/tcp'],
    [[{ name: '80/tcp', bindings: [{ hostIP: '::', hostPort: '8080' }] }], ':::8080->80/tcp'],
    [
      [
        { name: '53/udp' },
        { name: '80/tcp', bindings: [{ hostIP: '0.0.0.0', hostPort: '8080' }, { hostIP: '::', hostPort: '8080' }] },
        { name: '443/tcp', bindings: [{ hostIP: '127.0.0.1', hostPort: '8443' }] },
      ],
      '53/udp, 0.0.0.0:8080->80/tcp, :::8080->80/tcp, 127.0.0.1:8443->443/tcp',
    ],
  ])('formats ports %j', (ports, expected) => {
    expect(formatPorts(ports)).toBe(expected);
  });

  it.each([
    [0, '0B'],
    [999, '999B'],
    [1000, '1kB'],
    [1234, '1.23kB'],
    [1_980_000, '1.98MB'],
    [1_985_000, '1.99MB'],
    [4_270_000, '4.27MB'],
    [77_800_000, '77.8MB'],
    [123_456_789, '123MB'],
    [999_999, '1e+03kB'], // Go's %.3g, as docker prints it
    [1_500_000_000, '1.5GB'],
  ])('formats size %d as %s', (bytes, expected) => {
    expect(formatSize(bytes)).toBe(expected);
  });

  it.each([
    ['sha256:0123456789abcdef0123', '0123456789ab'],
    ['0123456789abcdef', '0123456789ab'],
    ['sha256:abc', 'abc'],
  ])('shortens image ID %s', (id, expected) => {
    expect(shortImageId(id)).toBe(expected);
  });
});

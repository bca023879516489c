import { describe, expect, it } from 'vitest';
import { CLIENT_API_VERSION, negotiateApiVersion } from '../../../../../src/engine/controllers/mirror/docker-client.js';

describe('Docker API version negotiation', () => {
  it.each([
    [{ ApiVersion: '1.41', MinAPIVersion: '1.12' }, '1.41'],
    [{ ApiVersion: '1.40', MinAPIVersion: '1.12' }, '1.40'],
    [{ ApiVersion: '1.47', MinAPIVersion: '1.24' }, CLIENT_API_VERSION],
    [{ ApiVersion: '1.9' }, '1.9'],
    [{}, CLIENT_API_VERSION],
  ])('server %j → %s', (server, expected) => {
    expect(negotiateApiVersion(server)).toBe(expected);
  });

  it('refuses a server that is too new for us', () => {
    expect(() => negotiateApiVersion({ ApiVersion: '1.60', MinAPIVersion: '1.50' })).toThrow(/requires Docker API 1.50/);
  });
});

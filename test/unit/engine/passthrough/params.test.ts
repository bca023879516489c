import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BEARER_SUBPROTOCOL, bearerToken } from '../../../../src/engine/kube/passthrough.js';
import { chooseSubprotocol } from '../../../../src/engine/passthrough/engine.js';
import { boolParam, tailParam } from '../../../../src/engine/passthrough/params.js';

const query = (q: string) => new URLSearchParams(q);

describe('boolean query parameters', () => {
  it.each(['1', 't', 'T', 'true', 'True', 'TRUE'])('reads %s as true', (v) => expect(boolParam(query(`x=${v}`), 'x', false)).toBe(true));
  it.each(['0', 'f', 'F', 'false', 'False', 'FALSE'])('reads %s as false', (v) => expect(boolParam(query(`x=${v}`), 'x', true)).toBe(false));
  it('falls back when absent and refuses anything else with 400', () => {
    expect(boolParam(query(''), 'x', true)).toBe(true);
    for (const v of ['', 'yes', 'tRUE', '2']) expect(() => boolParam(query(`x=${v}`), 'x', true)).toThrow(expect.objectContaining({ code: 400 }));
  });
});

describe('tail', () => {
  it('takes all or a count of lines', () => {
    expect(tailParam(query(''))).toBe('all');
    expect(tailParam(query('tail=0'))).toBe('0');
    for (const v of ['-1', '1.5', 'ten', '']) expect(() => tailParam(query(`tail=${v}`))).toThrow(expect.objectContaining({ code: 400 }));
  });
});

describe('stream tokens and subprotocols', () => {
  const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  const tokenProtocol = BEARER_SUBPROTOCOL + Buffer.from('s3cret').toString('base64url');

  it('reads the token from the header, or from the subprotocol on a WebSocket upgrade only', () => {
    expect(bearerToken(request({ authorization: 'Bearer abc' }))).toBe('abc');
    expect(bearerToken(request({ upgrade: 'websocket', 'sec-websocket-protocol': `v5.channel.k8s.io, ${tokenProtocol}` }))).toBe('s3cret');
    expect(bearerToken(request({ 'sec-websocket-protocol': tokenProtocol }))).toBeUndefined();
  });

  it('prefers v5 over v4, and names the token protocol back only when nothing else fits', () => {
    expect(chooseSubprotocol(new Set(['v4.channel.k8s.io', 'v5.channel.k8s.io', tokenProtocol]))).toBe('v5.channel.k8s.io');
    expect(chooseSubprotocol(new Set([tokenProtocol]))).toBe(tokenProtocol);
    expect(chooseSubprotocol(new Set(['chat']))).toBe(false);
  });
});

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEARER_SUBPROTOCOL, rejectUpgrade, type Passthrough } from '../../../../src/engine/kube/passthrough.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { openStream } from '../../../support/streams.js';

// Every request and every upgrade is authenticated before anything acts on
// it: a passthrough (exec, logs, stats) must never see an unauthenticated one.
// The passthrough here records what reached it; streams.test.ts proves the
// same against a real engine.
let ts: TestApiServer;
const reached: string[] = [];
const recorder: Passthrough = {
  prefix: '/passthrough/engine/',
  handleRequest: (_req: IncomingMessage, res: ServerResponse, url: URL) => {
    reached.push(`request ${url.pathname}`);
    res.end('handled');
    return Promise.resolve();
  },
  handleUpgrade: (_req: IncomingMessage, socket: Duplex, _head: Buffer, url: URL) => {
    reached.push(`upgrade ${url.pathname}`);
    // Answer with a code no other path gives, so the client can tell it got this far.
    rejectUpgrade(socket, { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'recorded', reason: 'Teapot', code: 418 });
  },
  close: () => undefined,
};

beforeAll(async () => {
  ts = await startTestApiServer({ passthrough: recorder });
});
afterAll(async () => {
  await ts?.stop();
});

/** The token with its last character changed: the right length, so the comparison is made in constant time and fails. */
const sameLengthWrongToken = (): string => ts.token.slice(0, -1) + (ts.token.endsWith('A') ? 'B' : 'A');
const EXEC = '/passthrough/engine/exec/app?command=touch&command=/tmp/pwned';

const upgradeStatus = (token: string | undefined, auth: 'header' | 'subprotocol' | 'none' = 'header') =>
  openStream({ ...ts, token: token ?? '' }, EXEC, { auth }).then(
    () => expect.unreachable('the upgrade was accepted'),
    (err: { status: number; body: unknown }) => err,
  );

describe('authentication', () => {
  it('uses a 43-character token, so a wrong token of that length reaches the constant-time comparison', () => {
    expect(ts.token).toHaveLength(43);
    expect(sameLengthWrongToken()).toHaveLength(43);
    expect(sameLengthWrongToken()).not.toBe(ts.token);
  });

  it('answers an exec upgrade without a valid token 401 and never hands it to the passthrough', async () => {
    reached.length = 0;
    const refusals = [
      await upgradeStatus(undefined, 'none'),
      await upgradeStatus(sameLengthWrongToken()),
      await upgradeStatus(sameLengthWrongToken(), 'subprotocol'),
      await upgradeStatus('short'),
    ];
    for (const { status, body } of refusals) {
      expect(status).toBe(401);
      expect(body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
    // The same server hands an authenticated upgrade over, so nothing above was lost on the way.
    expect((await upgradeStatus(ts.token)).status).toBe(418);
    expect((await upgradeStatus(ts.token, 'subprotocol')).status).toBe(418);
    expect(reached).toEqual(['upgrade /passthrough/engine/exec/app', 'upgrade /passthrough/engine/exec/app']);
  });

  it('answers a plain request without a valid token 401, for the passthrough and for the API alike', async () => {
    reached.length = 0;
    for (const token of [null, sameLengthWrongToken(), 'short', `${ts.token}x`]) {
      for (const path of ['/passthrough/engine/containers', '/api/v1/namespaces']) {
        const res = await rawRequest(ts, 'GET', path, { token });
        expect(res.status, `${path} with ${String(token)}`).toBe(401);
        expect(res.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
      }
    }
    expect(reached).toEqual([]);
    expect((await rawRequest(ts, 'GET', '/passthrough/engine/containers')).text).toBe('handled');
    expect((await rawRequest(ts, 'GET', '/api/v1/namespaces')).status).toBe(200);
    expect(reached).toEqual(['request /passthrough/engine/containers']);
  });

  it('takes the token only from a Bearer Authorization header, or from the subprotocol of a WebSocket upgrade', async () => {
    reached.length = 0;
    const subprotocol = BEARER_SUBPROTOCOL + Buffer.from(ts.token).toString('base64url');
    const refused: Record<string, string>[] = [{ Authorization: `NotBearer ${ts.token}` }, { Authorization: `Basic Bearer ${ts.token}` }, { 'Sec-WebSocket-Protocol': subprotocol }];
    for (const headers of refused) {
      const res = await rawRequest(ts, 'GET', '/passthrough/engine/containers', { token: null, headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
    }
    expect(reached).toEqual([]);
    expect((await rawRequest(ts, 'GET', '/passthrough/engine/containers', { token: null, headers: { Authorization: `bearer   ${ts.token}` } })).text).toBe('handled');
  });

  it('answers an upgrade of a path outside the passthrough 404 once authenticated', async () => {
    const other = await openStream(ts, '/api/v1/namespaces?watch=1').then(
      () => expect.unreachable('the upgrade was accepted'),
      (err: { status: number }) => err.status,
    );
    expect(other).toBe(404);
  });
});

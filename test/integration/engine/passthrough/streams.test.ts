import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { createEnginePassthrough } from '../../../../src/engine/passthrough/engine.js';
import type { StatsSample } from '../../../../src/engine/passthrough/stats.js';
import { rawRequest, startTestApiServer } from '../../../support/apiserver.js';
import { collect, frame, openStream, startStreamStack, textOf, type StreamResult, type StreamStack } from '../../../support/streams.js';

const V5 = 'v5.channel.k8s.io';
const V4 = 'v4.channel.k8s.io';
const WAIT = { timeout: 30_000, interval: 200 };

let stack: StreamStack;
let mixed: string;
let tty: string;

/** Runs a busybox container to its end and returns its ID. */
async function ran(...args: string[]): Promise<string> {
  const id = await stack.docker('run', '-d', ...args);
  await stack.docker('wait', id);
  return id;
}

const refusal = (promise: Promise<unknown>) => promise.then(
  () => expect.unreachable('the upgrade was accepted'),
  (err: { status: number; body: unknown }) => ({ status: err.status, body: err.body }),
);

const errorChannel = (result: StreamResult): unknown => JSON.parse(textOf(result, 3));

beforeAll(async () => {
  stack = await startStreamStack();
  mixed = await ran('busybox', 'sh', '-c', 'echo out1; echo err1 >&2; echo out2');
  tty = await ran('-t', 'busybox', 'sh', '-c', 'echo hi; echo ho >&2');
});

afterAll(async () => {
  await stack?.stop();
});

describe('log stream', () => {
  it('sends a non-tty log as UTF-8 text, stdout and stderr merged', async () => {
    const ws = await openStream(stack.api, `/passthrough/engine/logs/${mixed}?follow=false`);
    const result = await collect(ws);
    expect(result.closeCode).toBe(1000);
    expect(result.messages.every((m) => !m.binary)).toBe(true);
    expect(textOf(result).split('\n').sort()).toEqual(['', 'err1', 'out1', 'out2']);
  });

  it('marks stderr with the channel byte when the client speaks the channel protocol', async () => {
    const ws = await openStream(stack.api, `/passthrough/engine/logs/${mixed}?follow=0`, { protocols: [V5] });
    expect(ws.protocol).toBe(V5);
    const result = await collect(ws);
    expect(textOf(result, 1)).toBe('out1\nout2\n');
    expect(textOf(result, 2)).toBe('err1\n');
  });

  it('sends a tty log as the terminal wrote it', async () => {
    const result = await collect(await openStream(stack.api, `/passthrough/engine/logs/${tty}?follow=false`, { protocols: [V5] }));
    expect(textOf(result, 1)).toBe('hi\r\nho\r\n');
    expect(textOf(result, 2)).toBe('');
  });

  it('honours tail and timestamps', async () => {
    const counted = await ran('busybox', 'seq', '1', '5');
    const last = await collect(await openStream(stack.api, `/passthrough/engine/logs/${counted}?follow=false&tail=2`));
    expect(textOf(last)).toBe('4\n5\n');
    const stamped = await collect(await openStream(stack.api, `/passthrough/engine/logs/${mixed}?follow=F&tail=all&timestamps=TRUE`));
    expect(textOf(stamped).trim().split('\n')).toHaveLength(3);
    for (const line of textOf(stamped).trim().split('\n')) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (out1|out2|err1)$/);
  });

  it('follows a running container and ends cleanly when it exits', async () => {
    const id = await stack.docker('run', '-d', 'busybox', 'sh', '-c', 'echo start; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo done');
    const ws = await openStream(stack.api, `/passthrough/engine/logs/${id}`);
    const result = collect(ws);
    const seen: string[] = [];
    ws.on('message', (data: Buffer) => seen.push(data.toString()));
    await vi.waitFor(() => expect(seen.join('')).toBe('start\n'), WAIT);
    await stack.docker('exec', id, 'touch', '/tmp/go');
    const { closeCode } = await result;
    expect(closeCode).toBe(1000);
    expect(seen.join('')).toBe('start\ndone\n');
  });

  it('ends open streams with 1001 when the API server shuts down', async () => {
    const id = await stack.docker('run', '-d', 'busybox', 'sh', '-c', 'echo up; sleep 3600');
    const api = await startTestApiServer({ passthrough: createEnginePassthrough({ socketPath: stack.dockerd.socketPath, log: silentLogger }) });
    try {
      const ws = await openStream(api, `/passthrough/engine/logs/${id}`);
      const result = collect(ws);
      await api.stop();
      expect((await result).closeCode).toBe(1001);
    } finally {
      await api.stop();
      await stack.docker('rm', '-f', id);
    }
  });

  it('answers 404 for an unknown container before the upgrade', async () => {
    const { status, body } = await refusal(openStream(stack.api, '/passthrough/engine/logs/no-such-container'));
    expect(status).toBe(404);
    expect(body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'container "no-such-container" not found' });
  });

  it.each([['follow=yes'], ['timestamps=2'], ['tail=-1'], ['tail=ten']])('answers 400 for %s', async (query) => {
    const { status, body } = await refusal(openStream(stack.api, `/passthrough/engine/logs/${mixed}?${query}`));
    expect(status).toBe(400);
    expect(body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect((body as { message: string }).message).toContain(query.split('=')[0]);
  });

  it('answers a plain request (no upgrade) with 400, and 404 for an unknown container', async () => {
    expect((await rawRequest(stack.api, 'GET', `/passthrough/engine/logs/${mixed}`)).json).toMatchObject({ code: 400, message: expect.stringContaining('Upgrade request required') });
    expect((await rawRequest(stack.api, 'GET', '/passthrough/engine/logs/nope')).status).toBe(404);
  });
});

describe('exec stream', () => {
  let running: string;

  beforeAll(async () => {
    running = await stack.docker('run', '-d', 'busybox', 'sleep', '3600');
  });

  const exec = (query: string, protocols = [V5]): Promise<WebSocket> =>
    openStream(stack.api, `/passthrough/engine/exec/${running}?${query}`, { protocols });

  it('round-trips stdin to stdout and reports success on the error channel (v5 closes stdin)', async () => {
    const ws = await exec('command=cat&stdin=true');
    expect(ws.protocol).toBe(V5);
    const result = collect(ws);
    ws.send(frame(0, 'hello\n'));
    ws.send(frame(255, Buffer.from([0])));
    const done = await result;
    expect(textOf(done, 1)).toBe('hello\n');
    expect(errorChannel(done)).toEqual({ metadata: {}, status: 'Success' });
    expect(done.closeCode).toBe(1000);
  });

  it('speaks v4 too', async () => {
    const ws = await exec('command=sh&command=-c&command=read line; echo "got $line"&stdin=1', [V4]);
    expect(ws.protocol).toBe(V4);
    const result = collect(ws);
    ws.send(frame(0, 'it\n'));
    expect(textOf(await result, 1)).toBe('got it\n');
  });

  it('delivers stderr on channel 2 and a non-zero exit code on channel 3', async () => {
    const result = await collect(await exec('command=sh&command=-c&command=echo oops >%262; exit 3'));
    expect(textOf(result, 2)).toBe('oops\n');
    expect(errorChannel(result)).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c echo oops >&2; exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('resizes a tty', async () => {
    const ws = await exec('command=sh&tty=true&stdin=true');
    const result = collect(ws);
    let output = '';
    ws.on('message', (data: Buffer) => (output += data.subarray(1).toString()));
    for (const [width, height] of [[100, 30], [120, 40]]) {
      ws.send(frame(4, JSON.stringify({ Width: width, Height: height })));
      // The resize reaches the engine asynchronously: ask until the shell sees it.
      await vi.waitFor(() => {
        ws.send(frame(0, 'stty size\n'));
        expect(output).toMatch(new RegExp(`^${height} ${width}\\r?$`, 'm'));
      }, WAIT);
    }
    ws.send(frame(0, 'exit 0\n'));
    expect(errorChannel(await result)).toEqual({ metadata: {}, status: 'Success' });
  });

  it('refuses before the upgrade: no command, no channel protocol, unknown or stopped container', async () => {
    expect((await refusal(exec('tty=true'))).status).toBe(400);
    expect((await refusal(exec('command=true', []))).body).toMatchObject({ code: 400, message: expect.stringContaining(V5) });
    expect((await refusal(openStream(stack.api, '/passthrough/engine/exec/nope?command=true', { protocols: [V5] }))).status).toBe(404);
    expect((await refusal(openStream(stack.api, `/passthrough/engine/exec/${mixed}?command=true`, { protocols: [V5] }))).body).toMatchObject({ code: 409, reason: 'Conflict' });
  });
});

describe('stats stream', () => {
  it('sends a sample a second of what docker stats shows, as JSON; stream=false sends one and closes', async () => {
    // Busy enough to show CPU, sized enough to show memory.
    const id = await stack.docker('run', '-d', '--memory', '64m', 'busybox', 'sh', '-c', 'while true; do :; done');
    try {
      const ws = await openStream(stack.api, `/passthrough/engine/stats/${id}`);
      const samples: StatsSample[] = [];
      ws.on('message', (data: Buffer) => samples.push(JSON.parse(data.toString()) as StatsSample));
      await vi.waitFor(() => expect(samples.length).toBeGreaterThanOrEqual(3), WAIT);
      ws.close();
      const last = samples.at(-1)!;
      expect(last.cpuPercent).toBeGreaterThan(1);
      expect(last.memory.limit).toBe(64 * 1024 * 1024);
      expect(last.memory.usage).toBeGreaterThan(0);
      expect(last.pids).toBeGreaterThanOrEqual(1);
      expect(Date.parse(last.read)).toBeGreaterThan(Date.parse(samples[0].read));

      const once = await collect(await openStream(stack.api, `/passthrough/engine/stats/${id}?stream=false`));
      expect(once.closeCode).toBe(1000);
      expect(once.messages).toHaveLength(1);
    } finally {
      await stack.docker('rm', '-f', id);
    }
  });

  it('answers 404 for an unknown container and 400 for a bad stream flag, before the upgrade', async () => {
    expect((await refusal(openStream(stack.api, '/passthrough/engine/stats/no-such-container'))).status).toBe(404);
    expect((await refusal(openStream(stack.api, `/passthrough/engine/stats/${mixed}?stream=maybe`))).status).toBe(400);
  });
});

describe('stream auth', () => {
  it('accepts the token as kube\'s bearer subprotocol (what a browser can send)', async () => {
    const logs = await openStream(stack.api, `/passthrough/engine/logs/${mixed}?follow=false`, { auth: 'subprotocol' });
    expect(logs.protocol).toMatch(/^base64url\.bearer\.authorization\.k8s\.io\./);
    expect(textOf(await collect(logs))).toContain('out2');
    const exec = await openStream(stack.api, `/passthrough/engine/exec/${mixed.slice(0, 12)}?command=true`, { auth: 'subprotocol', protocols: [V5] }).catch((err: { status: number }) => err.status);
    // A stopped container cannot exec, but the request got past authentication.
    expect(exec).toBe(409);
  });

  it('never runs the command of an exec upgrade that failed authentication', async () => {
    const id = await stack.docker('run', '-d', 'busybox', 'sleep', '3600');
    // The wrong token has the real one's length (43), so the refusal comes from the constant-time comparison.
    const wrong = stack.api.token.slice(0, -1) + (stack.api.token.endsWith('A') ? 'B' : 'A');
    expect(wrong).toHaveLength(stack.api.token.length);
    for (const [marker, api, auth] of [['none', stack.api, 'none'], ['wrong', { ...stack.api, token: wrong }, 'header']] as const) {
      expect((await refusal(openStream(api, `/passthrough/engine/exec/${id}?command=touch&command=/tmp/pwned-${marker}`, { auth, protocols: [V5] }))).status).toBe(401);
    }
    // An authenticated exec over the same server afterwards: once it has run, an exec started by the refused ones would have too.
    const after = await collect(await openStream(stack.api, `/passthrough/engine/exec/${id}?command=touch&command=/tmp/after`, { protocols: [V5] }));
    expect(errorChannel(after)).toMatchObject({ status: 'Success' });
    expect((await stack.docker('exec', id, 'ls', '/tmp')).split('\n')).toEqual(['after']);
    await stack.docker('rm', '-f', id);
  });

  it('answers 401 with a Status before the upgrade without a valid token', async () => {
    for (const auth of ['none', 'wrong'] as const) {
      const api = auth === 'wrong' ? { ...stack.api, token: 'not-the-token' } : stack.api;
      const { status, body } = await refusal(openStream(api, `/passthrough/engine/logs/${mixed}`, { auth: auth === 'none' ? 'none' : 'subprotocol' }));
      expect(status).toBe(401);
      expect(body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
  });
});

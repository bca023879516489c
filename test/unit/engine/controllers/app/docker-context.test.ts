import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDockerContext, removeDockerContext } from '../../../../../src/engine/controllers/app/docker-context.js';
import { pingDockerHost as pingDocker } from '../../../../../src/engine/vm/docker-ping.js';
import { contextMetaPath, currentContext, dockerConfigDir, writeContext } from '../../../../../src/engine/base/docker-context-store.js';
import { silentLogger } from '../../../../../src/engine/base/log.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rdd-ctx-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NAME = 'rancher-desktop-7';
const SOCKET = '/home/u/.rd7/docker.sock';
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
const target = (answering: string[], env: NodeJS.ProcessEnv = {}) => ({
  configDir: dir,
  name: NAME,
  socket: SOCKET,
  env,
  log: silentLogger,
  ping: async (host: string) => answering.includes(host),
});

describe('Docker context store', () => {
  it("writes meta.json where the Docker CLI looks for it, in Docker's format", async () => {
    await writeContext(dir, NAME, `unix://${SOCKET}`);
    const hash = createHash('sha256').update(NAME).digest('hex');
    const file = path.join(dir, 'contexts', 'meta', hash, 'meta.json');
    expect(contextMetaPath(dir, NAME)).toBe(file);
    expect(await readJson(file)).toEqual({
      Name: NAME,
      Metadata: {},
      Endpoints: { docker: { Host: `unix://${SOCKET}`, SkipTLSVerify: false } },
    });
    expect(await readdir(path.dirname(file))).toEqual(['meta.json']); // no temp file left behind
  });

  it('uses $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/x/cfg', HOME: '/h' })).toBe('/x/cfg');
    expect(dockerConfigDir({ HOME: '/h' })).toBe('/h/.docker');
  });
});

describe('ensureDockerContext', () => {
  it.each([
    ['no config.json and no default engine', undefined, [], true],
    ['default context answering', undefined, ['unix:///var/run/docker.sock'], false],
    ['default context via DOCKER_HOST answering', undefined, ['tcp://1.2.3.4:2375'], false, { DOCKER_HOST: 'tcp://1.2.3.4:2375' }],
    ['current context missing from the store', 'gone', ['unix:///var/run/docker.sock'], true],
    ['current context not answering', 'other', [], true],
    ['current context answering', 'other', ['unix:///other.sock'], false],
  ] as [string, string | undefined, string[], boolean, NodeJS.ProcessEnv?][])('%s → made current: %s', async (_n, current, answering, becomesCurrent, env = {}) => {
    await writeContext(dir, 'other', 'unix:///other.sock');
    if (current) await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: { x: {} }, currentContext: current }));
    expect(await ensureDockerContext(target(answering, env))).toBe(becomesCurrent);
    expect(await currentContext(dir)).toBe(becomesCurrent ? NAME : current);
    expect((await readJson(contextMetaPath(dir, NAME))).Name).toBe(NAME);
  });

  it('keeps the other keys of config.json', async () => {
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'r.example': { auth: 'x' } }, currentContext: 'broken' }));
    await ensureDockerContext(target([]));
    expect(await readJson(path.join(dir, 'config.json'))).toEqual({ auths: { 'r.example': { auth: 'x' } }, currentContext: NAME });
  });
});

describe('removeDockerContext', () => {
  it('removes the context and resets currentContext when it pointed at it', async () => {
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ psFormat: 'table', currentContext: 'x' }));
    await ensureDockerContext(target([]));
    await removeDockerContext(target([]));
    expect(await readJson(path.join(dir, 'config.json'))).toEqual({ psFormat: 'table' });
    await expect(readFile(contextMetaPath(dir, NAME))).rejects.toThrow(/ENOENT/);
  });

  it("leaves the user's current context alone", async () => {
    await writeContext(dir, 'other', 'unix:///other.sock');
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ currentContext: 'other' }));
    await ensureDockerContext(target(['unix:///other.sock']));
    await removeDockerContext(target([]));
    expect(await currentContext(dir)).toBe('other');
  });

  it('is a no-op when there is nothing to remove', async () => {
    await removeDockerContext(target([]));
    expect(await currentContext(dir)).toBeUndefined();
  });
});

describe('pingDocker', () => {
  it('answers true for an engine socket answering /_ping and false for a dead one', async () => {
    const sock = path.join(dir, 'd.sock');
    await mkdir(dir, { recursive: true });
    const server = http.createServer((req, res) => res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK'));
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      expect(await pingDocker(`unix://${sock}`)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await pingDocker(`unix://${sock}`)).toBe(false);
    expect(await pingDocker('ssh://user@host')).toBe(true);
  });
});

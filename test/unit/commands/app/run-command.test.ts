import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engineEnvironment } from '../../../../src/commands/app/run-command.js';
import { contextName, writeContext } from '../../../../src/engine/base/docker-context-store.js';
import { instancePaths } from '../../../../src/engine/base/paths.js';

let home: string;
let dockerConfig: string;
const paths = () => instancePaths('run', { env: {}, platform: 'linux', home });
const user = () => ({ HOME: home, DOCKER_CONFIG: dockerConfig, DOCKER_HOST: 'unix:///elsewhere.sock', DOCKER_CONTEXT: 'theirs', PATH: process.env.PATH });

beforeEach(() => {
  home = mkdtempSync('/tmp/rdd.');
  dockerConfig = path.join(home, 'docker-config');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('engineEnvironment', () => {
  it("without the instance's context: DOCKER_HOST only, the user's context dropped", async () => {
    const env = await engineEnvironment(paths(), 'docker', user());
    expect(env.DOCKER_HOST).toBe(`unix://${paths().dockerSocket}`);
    expect(env).not.toHaveProperty('DOCKER_CONTEXT');
    expect(env.HOME).toBe(home);
  });

  it('ignores a context of that name that points elsewhere', async () => {
    await writeContext(dockerConfig, contextName('run'), 'unix:///elsewhere.sock');
    const env = await engineEnvironment(paths(), 'docker', user());
    expect(env.DOCKER_HOST).toBe(`unix://${paths().dockerSocket}`);
    expect(env).not.toHaveProperty('DOCKER_CONTEXT');
  });

  it("gives docker the instance's context alone, so docker itself names it", async () => {
    await writeContext(dockerConfig, contextName('run'), `unix://${paths().dockerSocket}`);
    const env = await engineEnvironment(paths(), '/usr/bin/docker', user());
    expect(env.DOCKER_CONTEXT).toBe('rancher-desktop-run');
    expect(env).not.toHaveProperty('DOCKER_HOST');
    // The real docker CLI resolves it so (no engine needed to name the context).
    expect(execFileSync('docker', ['context', 'show'], { env, encoding: 'utf8' }).trim()).toBe('rancher-desktop-run');
    const endpoint = execFileSync('docker', ['context', 'inspect', '--format', '{{.Endpoints.docker.Host}}'], { env, encoding: 'utf8' });
    expect(endpoint.trim()).toBe(`unix://${paths().dockerSocket}`);
  });

  it('gives any other CMD both, for clients that read only DOCKER_HOST', async () => {
    await writeContext(dockerConfig, contextName('run'), `unix://${paths().dockerSocket}`);
    const env = await engineEnvironment(paths(), 'python3', user());
    expect(env.DOCKER_CONTEXT).toBe('rancher-desktop-run');
    expect(env.DOCKER_HOST).toBe(`unix://${paths().dockerSocket}`);
  });
});

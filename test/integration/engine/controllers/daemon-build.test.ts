import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../../src/engine/base/log.js';
import type { Controller } from '../../../../src/engine/controllers/controller.js';
import { createDaemonBuildController } from '../../../../src/engine/controllers/daemon-build.js';
import type { AppObject } from '../../../../src/engine/kube/app.js';
import { APP, APP_NAME, apiVersionOf } from '../../../../src/engine/kube/resources.js';
import { holdsFor } from '../../../support/holds-for.js';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';

const WAIT = { timeout: 10_000, interval: 50 };

describe('daemon-build controller: status.daemon names the build serving the App', () => {
  let api: TestApiServer;
  let controller: Controller | undefined;

  beforeEach(async () => {
    api = await startTestApiServer();
  });

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await api.stop();
  });

  const app = () => api.client.find<AppObject>(APP, APP_NAME);
  const createApp = () => api.client.create(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: { running: false } });

  it('writes the build at start, beside another writer’s condition, and again for a new App', async () => {
    await createApp();
    // Another status writer's condition, applied under its own manager: the daemon's apply must leave it.
    await api.client.patch(
      APP,
      APP_NAME,
      {
        apiVersion: apiVersionOf(APP),
        kind: APP.kind,
        metadata: { name: APP_NAME },
        status: { conditions: [{ type: 'StoreHealthy', status: 'True', reason: 'Healthy', message: 'ok', lastTransitionTime: new Date().toISOString() }] },
      },
      { type: 'apply', subresource: 'status', fieldManager: 'other-writer', force: true },
    );

    controller = createDaemonBuildController({ client: api.client, log: silentLogger, build: { version: '9.9.9', commit: 'abc123' } });
    await controller.start();
    await vi.waitFor(async () => expect((await app())?.status?.daemon).toEqual({ version: '9.9.9', commit: 'abc123' }), WAIT);
    expect((await app())?.status?.conditions?.map((c) => c.type)).toEqual(['StoreHealthy']);

    await api.client.delete(APP, APP_NAME);
    await createApp();
    await vi.waitFor(async () => expect((await app())?.status?.daemon).toEqual({ version: '9.9.9', commit: 'abc123' }), WAIT);
  });

  it('leaves an App that already names this build alone', async () => {
    await createApp();
    controller = createDaemonBuildController({ client: api.client, log: silentLogger, build: { version: '1.0.0', commit: 'def456' } });
    await controller.start();
    await vi.waitFor(async () => expect((await app())?.status?.daemon?.commit).toBe('def456'), WAIT);
    const written = (await app())!.metadata.resourceVersion;
    await controller.stop();

    // A restart of the same build: nothing to write, so the App keeps its resourceVersion.
    controller = createDaemonBuildController({ client: api.client, log: silentLogger, build: { version: '1.0.0', commit: 'def456' } });
    await controller.start();
    await holdsFor(1_500, async () => expect((await app())!.metadata.resourceVersion).toBe(written));
  });
});

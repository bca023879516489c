import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../src/engine/base/log.js';
import { AppSource } from '../../../../../src/engine/controllers/app-source.js';
import { appInformer, type AppObject } from '../../../../../src/engine/kube/app.js';
import type { Informer } from '../../../../../src/engine/kube/informer.js';
import { APP, APP_NAME, apiVersionOf } from '../../../../../src/engine/kube/resources.js';
import { startTestApiServer, type TestApiServer } from '../../../../support/apiserver.js';

/** Resolves with the first App the informer reports whose spec.running is `running`. */
function nextApp(informer: Informer<AppObject>, running: boolean): Promise<AppObject> {
  return new Promise((resolve) => {
    const off = informer.on((_type, app) => {
      if (app.spec?.running !== running) return;
      off();
      resolve(app);
    });
  });
}

describe('AppSource', () => {
  let api: TestApiServer;
  let shared: Informer<AppObject>;

  beforeEach(async () => {
    api = await startTestApiServer();
    shared = appInformer(api.client, silentLogger);
    await shared.start();
    await api.client.create(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: { running: false } });
  });

  afterEach(async () => {
    await shared.stop();
    await api.stop();
  });

  const setRunning = (running: boolean) => api.client.patch(APP, APP_NAME, { spec: { running } }, { type: 'merge' });

  it('leaves a shared informer running when its controller stops, without the controller listening', async () => {
    const source = new AppSource(api.client, shared, silentLogger);
    const heard: boolean[] = [];
    source.on((_type, app) => heard.push(app.spec?.running === true));
    await source.start();
    expect(source.get()?.spec?.running).toBe(false);

    await source.stop();
    const seen = nextApp(shared, true);
    await setRunning(true);
    // The shared informer still follows the App; the stopped controller's listener heard nothing of it.
    expect((await seen).spec?.running).toBe(true);
    expect(heard).not.toContain(true);
  });

  it('starts and stops an informer of its own when none is shared', async () => {
    const source = new AppSource(api.client, undefined, silentLogger);
    const changes: AppObject[] = [];
    source.on((_type, app) => changes.push(app));
    await source.start();
    expect(source.get()?.metadata.name).toBe(APP_NAME);
    await source.stop();
    const before = changes.length;
    const seen = nextApp(shared, true);
    await setRunning(true);
    // The shared informer seeing the change means the own one would have seen it by now, had it been running.
    await seen;
    expect(source.get()?.spec?.running).toBe(false);
    expect(changes).toHaveLength(before);
  });
});

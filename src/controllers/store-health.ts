import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';
import { CLI_MANAGER, type AppObject } from '../kube/app.js';
import type { KubeClient } from '../kube/client.js';
import type { Informer } from '../kube/informer.js';
import { APP, APP_NAME, apiVersionOf } from '../kube/resources.js';
import type { Controller } from './controller.js';

/** The App's spec is the one thing in the store the engine cannot rebuild: a copy lives next to the store. */
export function appBackupFile(paths: Pick<InstancePaths, 'database'>): string {
  return path.join(path.dirname(paths.database), 'rdd.app-backup.json');
}

export interface StoreHealthDeps {
  client: KubeClient;
  paths: Pick<InstancePaths, 'database'>;
  log: Logger;
  app: Informer<AppObject>;
}

/** The part of the App worth keeping: what the user asked for. */
function backupOf(app: AppObject): AppObject {
  return { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: app.spec ?? {} };
}

/**
 * Keeps `rdd.app-backup.json` equal to the App's spec, and brings the App
 * back from it when the daemon starts on a new store (the damaged one was
 * moved aside; docs/control-plane.md#damaged-store). A deleted App takes its
 * backup with it, so a deletion is never undone.
 */
export function createStoreHealthController(deps: StoreHealthDeps): Controller {
  const log = deps.log.child('store-health');
  const file = appBackupFile(deps.paths);
  let saved: string | undefined;
  let unsubscribe = () => {};

  const save = (app: AppObject) => {
    const text = JSON.stringify(backupOf(app), null, 2) + '\n';
    if (text === saved) return;
    // Written whole then renamed, so a crash or a full disk never leaves half a backup (nor a draft).
    const draft = `${file}.tmp`;
    try {
      writeFileSync(draft, text, { mode: 0o600 });
      renameSync(draft, file);
      saved = text;
    } catch (err) {
      rmSync(draft, { force: true });
      log.warn('could not save the backup of the App spec; the next change of the App tries again', { file, error: err });
    }
  };

  const forget = () => {
    rmSync(file, { force: true });
    saved = undefined;
  };

  // A backup that cannot be used must not keep the daemon from starting: the user can still `rdd set` the App.
  const restore = async () => {
    try {
      if (!existsSync(file) || (await deps.client.find<AppObject>(APP, APP_NAME))) return;
      const backup = JSON.parse(readFileSync(file, 'utf8')) as AppObject;
      await deps.client.create(APP, backupOf(backup), { fieldManager: CLI_MANAGER });
      log.warn('the store had no App: restored its spec from the backup', { file, spec: backup.spec });
    } catch (err) {
      log.error(`could not restore the App from ${file}; set it again with \`rdd set\``, { error: errorMessage(err) });
    }
  };

  return {
    name: 'store-health',
    async start() {
      await restore();
      unsubscribe = deps.app.on((type, app) => {
        if (type === 'DELETED' || app.metadata.deletionTimestamp) forget();
        else save(app);
      });
      const current = deps.app.get(APP_NAME);
      if (current && !current.metadata.deletionTimestamp) save(current);
    },
    stop() {
      unsubscribe();
      return Promise.resolve();
    },
  };
}

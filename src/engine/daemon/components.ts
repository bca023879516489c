import type { AdmissionHook } from '../kube/admission.js';
import { appInformer } from '../kube/app.js';
import { appAdmission } from '../controllers/app/app-admission.js';
import { mirrorAdmission } from '../controllers/mirror/mirror-admission.js';
import { createAppController } from '../controllers/app/app-controller.js';
import type { Controller, ControllerDeps } from '../controllers/controller.js';
import { createEngineController } from '../controllers/mirror/engine-controller.js';
import { PendingRequests } from '../controllers/requests/pending.js';
import { requestAdmission } from '../controllers/requests/request-admission.js';
import { createRequestController } from '../controllers/requests/request-controller.js';

import { createDaemonBuildController } from '../controllers/daemon-build.js';
import { createStoreHealthController, type StoreHealthSource } from '../controllers/store-health.js';

/** Pending requests, as the request controller sees them, for the admission hooks: one daemon per process. */
const pending = new PendingRequests();

/** What the daemon plugs into its API server: admission hooks per kind. */
export function daemonAdmission(): AdmissionHook[] {
  return [appAdmission, ...mirrorAdmission, ...requestAdmission(pending)];
}

/**
 * The controllers, in start order; they stop in reverse (the mirror lets go
 * before the engine stops, and the App informer both share stops last).
 */
export function daemonControllers(deps: ControllerDeps & { storeHealth: StoreHealthSource }): Controller[] {
  const app = appInformer(deps.client, deps.log.child('app-informer'));
  const informer: Controller = { name: 'app-informer', start: () => app.start(), stop: () => app.stop() };
  return [
    informer,
    createStoreHealthController({ ...deps, app, health: deps.storeHealth }),
    createDaemonBuildController({ ...deps, app }),
    createAppController({ ...deps, app }),
    createEngineController({ ...deps, app }),
    createRequestController({ ...deps, app, pending }),
  ];
}

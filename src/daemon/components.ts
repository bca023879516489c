import type { AdmissionHook } from '../apiserver/admission.js';
import { appAdmission } from '../engine/admission/app-admission.js';
import { mirrorAdmission } from '../engine/admission/mirror-admission.js';
import { createAppController } from '../engine/controllers/app-controller.js';
import type { Controller, ControllerDeps } from '../engine/controllers/controller.js';
import { createEngineController } from '../engine/controllers/engine-controller.js';

/** What the daemon plugs into its API server: admission hooks per kind. */
export function daemonAdmission(): AdmissionHook[] {
  return [appAdmission, ...mirrorAdmission];
}

/** The controllers, in start order; they stop in reverse (the mirror lets go before the engine stops). */
export function daemonControllers(deps: ControllerDeps): Controller[] {
  return [createAppController(deps), createEngineController(deps)];
}

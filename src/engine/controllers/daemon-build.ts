import { buildInfo, type BuildInfo } from '../base/build-info.js';
import { APP, APP_NAME, apiVersionOf } from '../kube/resources.js';
import type { Controller } from './controller.js';
import { newInput } from './predicates.js';
import { QueueController, type QueueControllerDeps } from './queue-controller.js';

/** Owns `status.daemon` alone, so its applies never touch another writer's conditions. */
export const DAEMON_BUILD_MANAGER = 'rdd-daemon';

export interface DaemonBuildDeps extends QueueControllerDeps {
  /** The build to report; the running daemon's by default. */
  build?: BuildInfo;
}

type Work = 'app';
const WORK: Work = 'app';

/**
 * Writes which rdd build serves the App into `status.daemon` (version and
 * commit), so a CLI or GUI of another build can see the skew on the object
 * itself, as `/version` shows it to a client that asks (docs/cli.md).
 * Written when the daemon starts and whenever a new App appears.
 */
class DaemonBuildController extends QueueController<Work> {
  private readonly build: BuildInfo;

  constructor(private readonly deps: DaemonBuildDeps) {
    super('daemon-build', deps, { idOf: String });
    this.build = deps.build ?? buildInfo();
    this.watch(this.app, { keysOf: (type) => (type === 'DELETED' ? [] : [WORK]), isNewInput: newInput() });
  }

  protected override started(): void {
    this.queue.add(WORK);
  }

  protected async reconcile(): Promise<void> {
    const app = this.app.get();
    const { version, commit } = this.build;
    if (!app || (app.status?.daemon?.version === version && app.status.daemon.commit === commit)) return;
    await this.deps.client.patch(
      APP,
      APP_NAME,
      { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, status: { daemon: { version, commit } } },
      { type: 'apply', subresource: 'status', fieldManager: DAEMON_BUILD_MANAGER, force: true },
    );
  }
}

export function createDaemonBuildController(deps: DaemonBuildDeps): Controller {
  return new DaemonBuildController(deps);
}

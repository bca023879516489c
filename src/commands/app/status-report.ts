import type { ChalkInstance } from 'chalk';
import type { AppObject } from '../../engine/kube/app.js';
import type { BuildInfo } from '../../engine/base/build-info.js';
import { RddError } from '../../engine/base/errors.js';
import type { KubeClient } from '../../engine/kube/client.js';
import { APP, APP_NAME, CONTAINER, IMAGE, VOLUME, type ResourceRef } from '../../engine/kube/resources.js';
import type { Condition } from '../../engine/kube/types.js';
import type { InstancePaths } from '../../engine/base/paths.js';
import { runningDaemon } from '../../engine/service/pidfile.js';
import { table } from '../output/table.js';
import { daemonBuild } from '../program/version-skew.js';

export interface StatusReport {
  instance: string;
  service: 'running';
  app?: { generation: number; spec: AppObject['spec']; conditions: Condition[]; deleting: boolean };
  mirrors: { namespace: string; containers: number | null; images: number | null; volumes: number | null };
  /** The daemon's version and commit (null: a build too old to say; absent: it did not answer). */
  daemon?: BuildInfo | null;
}

async function count(client: KubeClient, ref: ResourceRef, namespace: string): Promise<number | null> {
  try {
    return (await client.list(ref, { namespace })).items.length;
  } catch {
    // The mirror kinds may not be served (yet); the report still says what it knows.
    return null;
  }
}

export function serviceDown(paths: InstancePaths): RddError {
  return new RddError(`the rdd service of instance ${paths.instance} is not running`, {
    suggestion: 'start it with `rdd svc start`, or start the engine with `rdd start`',
  });
}

/**
 * What `rdd status` shows: the App's conditions and how many mirrors its namespace holds.
 * A daemon that does not answer within `timeout` (0 = no limit) is a TimeoutError (exit 4).
 */
export async function collectStatus(paths: InstancePaths, timeout = { ms: 10_000, text: '10s' }): Promise<StatusReport> {
  const daemon = runningDaemon(paths);
  if (!daemon) throw serviceDown(paths);
  const { KubeClient } = await import('../../engine/kube/client.js');
  const { daemonNotAnswering, withDeadline } = await import('../../engine/service/deadline.js');
  const client = KubeClient.fromFile(paths.kubeconfig);
  try {
    return await withDeadline(readStatus(paths, client), timeout.ms, () => {
      // Destroys the connections, so the hung request does not keep the CLI alive.
      client.close();
      return daemonNotAnswering(paths, daemon.pid, 'the status requests', timeout.text);
    });
  } finally {
    client.close();
  }
}

async function readStatus(paths: InstancePaths, client: KubeClient): Promise<StatusReport> {
  const app = await client.find<AppObject>(APP, APP_NAME);
  const namespace = app?.spec?.namespace ?? 'rancher-desktop';
  // One after the other on the connection `find` opened: in parallel, each list
  // would open a connection of its own, and a TLS handshake costs more than a list.
  const containers = await count(client, CONTAINER, namespace);
  const images = await count(client, IMAGE, namespace);
  const volumes = await count(client, VOLUME, namespace);
  const daemon = await daemonBuild(client).catch(() => undefined);
  return {
    instance: paths.instance,
    service: 'running',
    app: app && {
      generation: app.metadata.generation ?? 0,
      spec: app.spec,
      conditions: app.status?.conditions ?? [],
      deleting: Boolean(app.metadata.deletionTimestamp),
    },
    mirrors: { namespace, containers, images, volumes },
    ...(daemon === undefined ? {} : { daemon }),
  };
}

/** Reasons of a False condition that say work is under way rather than that something is wrong. */
const PROGRESSING_REASONS = new Set(['Starting', 'Stopping', 'Pending', 'Progressing', 'Connecting', 'Reconnecting', 'Restarting']);

/** How a condition's status reads at a glance: green when True, yellow while progressing or Unknown, red otherwise. */
export function statusColour(c: Pick<Condition, 'status' | 'reason'>): 'green' | 'yellow' | 'red' {
  if (c.status === 'True') return 'green';
  if (c.status === 'False' && !PROGRESSING_REASONS.has(c.reason)) return 'red';
  return 'yellow';
}

/** The human report; `paint` (on a terminal only) colours the STATUS column. */
export function renderStatus(report: StatusReport, paint?: ChalkInstance): string {
  const lines = [`Instance:  ${report.instance}`, `Service:   ${report.service}`];
  const app = report.app;
  if (!app) {
    lines.push(`App:       none (create it with \`rdd start\` or \`rdd set PROP=VALUE\`)`);
  } else {
    const spec = app.spec ?? {};
    const running = spec.running ? 'running' : 'stopped';
    lines.push(
      `App:       ${running}, engine ${spec.containerEngine?.name ?? 'moby'}, driver ${spec.vm?.driver ?? 'auto'}, generation ${app.generation}${app.deleting ? ' (being deleted)' : ''}`,
      '',
      table(
        [
          ['CONDITION', 'STATUS', 'REASON', 'GENERATION', 'MESSAGE'],
          ...app.conditions.map((c) => [
            c.type,
            c.status,
            c.reason,
            c.observedGeneration === app.generation ? String(c.observedGeneration) : `${c.observedGeneration ?? '-'} (stale)`,
            c.message,
          ]),
        ],
        (cell, row, column) => (paint && row > 0 && column === 1 ? paint[statusColour(app.conditions[row - 1])](cell) : cell),
      ),
    );
  }
  const n = (v: number | null) => (v === null ? '-' : String(v));
  const m = report.mirrors;
  lines.push('', `Mirrors in namespace ${m.namespace}: ${n(m.containers)} containers, ${n(m.images)} images, ${n(m.volumes)} volumes`);
  return lines.join('\n') + '\n';
}

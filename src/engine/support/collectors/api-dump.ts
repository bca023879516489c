import { access } from 'node:fs/promises';
import { KubeClient } from '../../kube/client.js';
import { runningDaemon } from '../../service/pidfile.js';
import { json, type Collector, type CollectContext } from '../collector.js';
import { redactObjects } from '../redact.js';

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
}
interface ApiResourceList {
  groupVersion: string;
  resources: ApiResource[];
}
interface ApiGroupList {
  groups: { name: string; versions: { groupVersion: string }[] }[];
}

/** The group/versions the server serves, core first, each with its listable top-level resources. */
async function discover(client: KubeClient, signal: AbortSignal): Promise<ApiResourceList[]> {
  const core = await client.request<{ versions: string[] }>('GET', '/api', { signal });
  const groups = await client.request<ApiGroupList>('GET', '/apis', { signal });
  const paths = [
    ...core.versions.map((v) => `/api/${v}`),
    ...groups.groups.flatMap((g) => g.versions.map((v) => `/apis/${v.groupVersion}`)),
  ];
  return Promise.all(paths.map((p) => client.request<ApiResourceList>('GET', p, { signal })));
}

function listPath(groupVersion: string, plural: string): string {
  return `${groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`}/${plural}`;
}

async function dump(ctx: CollectContext, client: KubeClient): Promise<void> {
  // The daemon's build (field `rdd`), which may differ from the CLI's in versions.json.
  ctx.add('api/version.json', json(await client.request('GET', '/version', { signal: ctx.signal })));
  const lists = await discover(client, ctx.signal);
  ctx.add('api/discovery.json', json(lists));
  const failures: string[] = [];
  for (const list of lists) {
    for (const res of list.resources) {
      if (res.name.includes('/') || !res.verbs.includes('list')) continue;
      const file = `api/${list.groupVersion.replace('/', '_')}/${res.name}.json`;
      try {
        const objects = await client.request('GET', listPath(list.groupVersion, res.name), { signal: ctx.signal });
        ctx.add(file, json(redactObjects(objects)));
      } catch (err) {
        failures.push(`${res.kind} (${list.groupVersion}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  if (failures.length > 0) throw new Error(`listing failed for ${failures.join('; ')}`);
}

/** Every object the control plane serves, found by discovery, Secret values and secret-looking fields replaced; skipped when the daemon is down. */
export const apiDumpCollector: Collector = {
  name: 'api-objects',
  timeoutMs: 20_000,
  async collect(ctx) {
    if (!runningDaemon(ctx.paths)) {
      ctx.skip('daemon is not running: no API objects to dump');
      return;
    }
    if (!(await access(ctx.paths.kubeconfig).then(() => true, () => false))) {
      ctx.skip(`no kubeconfig at ${ctx.paths.kubeconfig}`);
      return;
    }
    await dump(ctx, KubeClient.fromFile(ctx.paths.kubeconfig));
  },
};

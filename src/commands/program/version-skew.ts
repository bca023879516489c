import { buildInfo, describeBuild, sameBuild, type BuildInfo } from '../../engine/base/build-info.js';
import { DEFAULT_INSTANCE } from '../../engine/base/paths.js';
import type { KubeClient } from '../../engine/kube/client.js';

/**
 * The build of the daemon behind `client`, from its `/version` (field `rdd`);
 * null for a daemon from before that field, i.e. an older build.
 */
export async function daemonBuild(client: KubeClient): Promise<BuildInfo | null> {
  const { rdd } = await client.request<{ rdd?: Partial<BuildInfo> }>('GET', '/version');
  return typeof rdd?.version === 'string' && typeof rdd.commit === 'string' ? { version: rdd.version, commit: rdd.commit } : null;
}

/**
 * What to tell a user whose daemon runs another build than this CLI (after
 * an upgrade, or a rebuild of a checkout); undefined when both are the same
 * build. The daemon keeps running the code it started with until it restarts.
 */
export function skewWarning(instance: string, daemon: BuildInfo | null, cli: BuildInfo = buildInfo()): string | undefined {
  if (daemon && sameBuild(daemon, cli)) return undefined;
  const flag = instance === DEFAULT_INSTANCE ? '' : ` --instance ${instance}`;
  const runs = daemon ? `runs rdd ${describeBuild(daemon)}` : 'runs an older rdd (one that does not report its version)';
  return `warning: the rdd daemon for instance ${instance} ${runs}, this CLI is rdd ${describeBuild(cli)}; run \`rdd${flag} svc restart\` to restart it on this CLI's build (the App and its objects are kept)`;
}

/**
 * The warning about the daemon behind `client`, if it runs another build.
 * Best effort: a daemon that cannot answer `/version` right now gets no
 * warning; the command's own requests to it report what is wrong.
 */
export async function skewWarningFor(client: KubeClient, instance: string): Promise<string | undefined> {
  const daemon = await daemonBuild(client).catch(() => undefined);
  return daemon === undefined ? undefined : skewWarning(instance, daemon);
}

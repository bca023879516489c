import type Docker from 'dockerode';
import { CONTAINER, IMAGE, VOLUME } from '../../kube/resources.js';
import { isDockerNotFound } from '../mirror/docker-client.js';
import { containerMirrorName, imageMirrorName, volumeMirrorName } from '../mirror/naming.js';
import type { ContainerCreateSpec, ImagePullSpec, ImageTagSpec, RequestResult, VolumeCreateSpec } from './kinds.js';
import { refusal, refusedAs } from './outcome.js';
import { pullImage, type PullProgress } from './pull.js';

/** On a container a ContainerCreateRequest made: the request's uid, so a replay finds it instead of creating another. */
export const REQUEST_LABEL = 'containers.rancherdesktop.io/request';

export interface PerformContext {
  docker: Docker;
  /** The request's uid. */
  uid: string;
  onPullProgress(progress: PullProgress): void;
}

export interface Outcome {
  result: RequestResult;
  message: string;
}

/** Splits a reference into repository and tag as docker does: the tag follows the last ':' after the last '/'. */
function splitReference(reference: string): { repo: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

/** How docker lists a reference in RepoTags: with a tag, without the default registry and library/. */
function familiar(reference: string): string {
  const { repo, tag } = splitReference(reference);
  return `${repo.replace(/^docker\.io\//, '').replace(/^library\//, '')}:${tag}`;
}

const isImageId = (image: string) => /^(sha256:)?[0-9a-f]{12,64}$/.test(image);

/** The Image mirror of `reference` (the one for its tag), found through the engine. */
async function imageResult(docker: Docker, reference: string, reason: string): Promise<RequestResult> {
  const inspect = await refusedAs(reason, () => docker.getImage(reference).inspect());
  const tags = inspect.RepoTags ?? [];
  const tag = tags.find((t) => t === familiar(reference));
  return { kind: IMAGE.kind, name: imageMirrorName(inspect.Id, tag), id: inspect.Id };
}

async function createVolume(ctx: PerformContext, spec: VolumeCreateSpec): Promise<Outcome> {
  // Like `docker volume create`: an existing volume of this name is returned, not an error.
  const volume = await refusedAs('CreateFailed', () =>
    ctx.docker.createVolume({ Name: spec.name ?? '', Driver: spec.driver ?? 'local', Labels: spec.labels ?? {}, DriverOpts: spec.options ?? {} }),
  );
  const name = (volume as unknown as { name: string }).name;
  return { result: { kind: VOLUME.kind, name: volumeMirrorName(name), id: name }, message: `volume ${name} created` };
}

async function pull(ctx: PerformContext, spec: ImagePullSpec): Promise<Outcome> {
  await pullImage(ctx.docker, spec.repoTag, ctx.onPullProgress);
  const result = await imageResult(ctx.docker, spec.repoTag, 'PullFailed');
  return { result, message: `pulled ${spec.repoTag} (${result.id})` };
}

async function tag(ctx: PerformContext, spec: ImageTagSpec): Promise<Outcome> {
  await refusedAs('TagFailed', () => ctx.docker.getImage(spec.source).tag(splitReference(spec.repoTag)));
  const result = await imageResult(ctx.docker, spec.repoTag, 'TagFailed');
  return { result, message: `tagged ${spec.source} as ${spec.repoTag}` };
}

function createOptions(uid: string, spec: ContainerCreateSpec): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of spec.ports ?? []) {
    const key = `${port.containerPort}/${port.protocol ?? 'tcp'}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: port.hostIP ?? '', HostPort: port.hostPort ? String(port.hostPort) : '' });
  }
  return {
    ...(spec.name ? { name: spec.name } : {}),
    Image: spec.image,
    ...(spec.command ? { Entrypoint: spec.command } : {}),
    ...(spec.args ? { Cmd: spec.args } : {}),
    Env: (spec.env ?? []).map((e) => `${e.name}=${e.value ?? ''}`),
    Labels: { ...spec.labels, [REQUEST_LABEL]: uid },
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      Mounts: (spec.mounts ?? []).map((m) => ({ Type: 'volume' as const, Source: m.volume, Target: m.mountPath, ReadOnly: m.readOnly ?? false })),
    },
  };
}

/** Creates the container, pulling a missing image first as `docker create` does. */
async function createContainerOnce(ctx: PerformContext, spec: ContainerCreateSpec): Promise<string> {
  const options = createOptions(ctx.uid, spec);
  try {
    return (await ctx.docker.createContainer(options)).id;
  } catch (err) {
    if (!isDockerNotFound(err) || isImageId(spec.image)) throw refusal('CreateFailed', err);
  }
  await pullImage(ctx.docker, spec.image, ctx.onPullProgress);
  return (await refusedAs('CreateFailed', () => ctx.docker.createContainer(options))).id;
}

async function createContainer(ctx: PerformContext, spec: ContainerCreateSpec): Promise<Outcome> {
  // A replay after a crash finds the container this request already made.
  const [made] = await ctx.docker.listContainers({ all: true, filters: { label: [`${REQUEST_LABEL}=${ctx.uid}`] } });
  const id = made?.Id ?? (await createContainerOnce(ctx, spec));
  const result = { kind: CONTAINER.kind, name: containerMirrorName(id), id };
  if ((spec.state ?? 'running') === 'created') return { result, message: `container ${id.slice(0, 12)} created` };
  const container = ctx.docker.getContainer(id);
  const inspect = await container.inspect();
  if (!inspect.State.Running) await refusedAs('StartFailed', () => container.start(), result);
  return { result, message: `container ${id.slice(0, 12)} created and started` };
}

/** What each request kind does in the engine. */
export const PERFORM: Record<string, (ctx: PerformContext, spec: never) => Promise<Outcome>> = {
  VolumeCreateRequest: createVolume,
  ImagePullRequest: pull,
  ImageTagRequest: tag,
  ContainerCreateRequest: createContainer,
};

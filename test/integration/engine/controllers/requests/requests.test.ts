import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Controller } from '../../../../../src/engine/controllers/controller.js';
import { mirrorAdmission } from '../../../../../src/engine/controllers/mirror/mirror-admission.js';
import { imageMirrorName, volumeMirrorName } from '../../../../../src/engine/controllers/mirror/naming.js';
import {
  CONTAINER_CREATE_REQUEST,
  IMAGE_PULL_REQUEST,
  IMAGE_TAG_REQUEST,
  VOLUME_CREATE_REQUEST,
  finishedCondition,
  type RequestObject,
} from '../../../../../src/engine/controllers/requests/kinds.js';
import { PendingRequests } from '../../../../../src/engine/controllers/requests/pending.js';
import { REQUEST_LABEL } from '../../../../../src/engine/controllers/requests/perform.js';
import { requestAdmission } from '../../../../../src/engine/controllers/requests/request-admission.js';
import { createRequestController } from '../../../../../src/engine/controllers/requests/request-controller.js';
import { createLogger } from '../../../../../src/engine/base/log.js';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import { apiVersionOf, IMAGE, VOLUME, type ResourceRef } from '../../../../../src/engine/kube/resources.js';
import type { WatchEvent } from '../../../../../src/engine/kube/types.js';
import { rejectionOf } from '../../../../support/rejection.js';
import { ApiError } from '../../../../../src/engine/kube/client.js';
import { fastBackoff, mirrorProbes, NS, startHarness, WAIT, type MirrorHarness } from '../mirror/harness.js';

let h: MirrorHarness;
let controller: Controller | undefined;
const pending = new PendingRequests();
const { present } = mirrorProbes(() => h);

function startRequestController(): Promise<void> {
  const log = createLogger({ level: 'debug', write: (line) => h.logs.push(line) });
  const paths = { ...instancePaths('rq', { home: h.api.dir }), dockerSocket: h.dockerd.socketPath };
  controller = createRequestController({ client: h.api.server.localClient(), paths, log, backoff: fastBackoff, pending });
  return controller.start();
}

beforeAll(async () => {
  h = await startHarness({ admission: [...mirrorAdmission, ...requestAdmission(pending)] });
  await vi.waitFor(async () => expect((await h.engineReady())?.reason).toBe('Connected'), WAIT);
  await startRequestController();
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await h?.stop();
});

const busybox = () => `${h.registry.host}/library/busybox:latest`;

function create(ref: ResourceRef, name: string, spec: Record<string, unknown>): Promise<RequestObject> {
  return h.client.create(ref, { apiVersion: apiVersionOf(ref), kind: ref.kind, metadata: { name, namespace: NS }, spec });
}

/** Waits until the request has finished and returns it. */
function finished(ref: ResourceRef, name: string): Promise<RequestObject> {
  return vi.waitFor(async () => {
    const obj = await h.client.get<RequestObject>(ref, name, NS);
    expect(finishedCondition(obj)).toBeDefined();
    return obj;
  }, WAIT);
}

const conditionOf = (obj: RequestObject) => finishedCondition(obj)!;

async function refused(p: Promise<unknown>, status: number): Promise<ApiError> {
  const err = await rejectionOf(p, ApiError);
  expect(err.status).toBe(status);
  return err;
}

describe('VolumeCreateRequest', () => {
  it('creates the volume and links its mirror', async () => {
    await create(VOLUME_CREATE_REQUEST, 'vol-a', { name: 'data-a', labels: { team: 'blue' }, options: { type: 'tmpfs', device: 'tmpfs' } });
    const done = await finished(VOLUME_CREATE_REQUEST, 'vol-a');
    expect(conditionOf(done)).toMatchObject({ type: 'Complete', reason: 'Succeeded' });
    expect(done.status).toMatchObject({ phase: 'Complete', result: { kind: 'Volume', name: volumeMirrorName('data-a'), id: 'data-a' } });
    expect(done.status?.completionTime).toBeTruthy();
    expect(await h.docker('volume', 'inspect', '--format', '{{.Labels.team}} {{.Options.type}}', 'data-a')).toBe('blue tmpfs');
    await present(VOLUME, volumeMirrorName('data-a'), { name: 'data-a' });
  });

  it('refuses a second pending request for the same volume with 409, and a spec change with 422', async () => {
    // With the controller stopped the first request stays pending.
    await controller!.stop();
    await create(VOLUME_CREATE_REQUEST, 'vol-b1', { name: 'data-b' });
    const err = await refused(create(VOLUME_CREATE_REQUEST, 'vol-b2', { name: 'data-b' }), 409);
    expect(err.message).toContain('VolumeCreateRequest vol-b1 for "data-b" is still pending');
    const changed = h.client.patch(VOLUME_CREATE_REQUEST, 'vol-b1', { spec: { name: 'other' } }, { type: 'merge', namespace: NS });
    expect((await refused(changed, 422)).message).toContain('spec is immutable');

    await startRequestController();
    expect(conditionOf(await finished(VOLUME_CREATE_REQUEST, 'vol-b1')).type).toBe('Complete');
    // Once the first has finished, the name is free again (docker returns the existing volume).
    await create(VOLUME_CREATE_REQUEST, 'vol-b2', { name: 'data-b' });
    expect(conditionOf(await finished(VOLUME_CREATE_REQUEST, 'vol-b2')).type).toBe('Complete');
  });

  it('deletes a finished request when its TTL runs out', async () => {
    // Watched from before it exists: with a 1 s TTL, polling can miss the finished request altogether.
    const from = (await h.client.list(VOLUME_CREATE_REQUEST, { namespace: NS })).metadata.resourceVersion;
    const events: WatchEvent<RequestObject>[] = [];
    const abort = new AbortController();
    const watching = h.client
      .watch<RequestObject>(VOLUME_CREATE_REQUEST, { namespace: NS, fieldSelector: 'metadata.name=vol-ttl', resourceVersion: from, signal: abort.signal }, (e) => events.push(e))
      .catch(() => undefined);
    try {
      await create(VOLUME_CREATE_REQUEST, 'vol-ttl', { name: 'data-ttl', ttlSecondsAfterFinished: 1 });
      await vi.waitFor(() => expect(events.map((e) => e.type)).toContain('DELETED'), WAIT);
      const finishedState = events.find((e) => e.type === 'MODIFIED' && finishedCondition(e.object as RequestObject));
      expect(conditionOf(finishedState!.object as RequestObject).type).toBe('Complete');
    } finally {
      abort.abort();
      await watching;
    }
    // The default TTL keeps the others.
    expect(await h.client.find(VOLUME_CREATE_REQUEST, 'vol-a', NS)).toBeDefined();
  });
});

describe('ImagePullRequest', () => {
  it('pulls through the loopback registry, with progress a watcher sees', async () => {
    const events: { type: string; object: RequestObject }[] = [];
    const abort = new AbortController();
    const watching = h.client
      .watch<RequestObject>(IMAGE_PULL_REQUEST, { namespace: NS, fieldSelector: 'metadata.name=pull-ok', signal: abort.signal }, (e) =>
        events.push(e as WatchEvent<RequestObject> & { object: RequestObject }),
      )
      .catch(() => undefined);
    try {
      await create(IMAGE_PULL_REQUEST, 'pull-ok', { repoTag: busybox() });
      const done = await finished(IMAGE_PULL_REQUEST, 'pull-ok');
      const id = await h.docker('image', 'inspect', '--format', '{{.Id}}', busybox());
      expect(done.status).toMatchObject({ phase: 'Complete', result: { kind: 'Image', name: imageMirrorName(id, busybox()), id } });
      const progress = done.status?.progress as { layersDone: number; layersTotal: number; bytesDone: number; summary: string };
      expect(progress.layersTotal).toBeGreaterThan(0);
      expect(progress.layersDone).toBe(progress.layersTotal);
      expect(progress.bytesDone).toBeGreaterThan(0);
      await vi.waitFor(() => {
        const pulling = events.filter((e) => e.type === 'MODIFIED' && e.object.status?.phase === 'Pulling');
        expect(pulling.length).toBeGreaterThan(0);
        expect(pulling[0].object.status?.progress).toMatchObject({ layersTotal: expect.any(Number), summary: expect.any(String) });
      }, WAIT);
      await present(IMAGE, imageMirrorName(id, busybox()));
    } finally {
      abort.abort();
      await watching;
    }
  });

  it('fails with the registry error for a missing tag', async () => {
    await create(IMAGE_PULL_REQUEST, 'pull-missing', { repoTag: `${h.registry.host}/library/busybox:no-such-tag` });
    const done = await finished(IMAGE_PULL_REQUEST, 'pull-missing');
    expect(conditionOf(done)).toMatchObject({ type: 'Failed', reason: 'PullFailed' });
    expect(conditionOf(done).message).toMatch(/manifest unknown|not found/);
    expect(done.status?.phase).toBe('Failed');
  });
});

describe('ImageTagRequest', () => {
  it('tags an image and links the new tag', async () => {
    await create(IMAGE_TAG_REQUEST, 'tag-a', { source: busybox(), repoTag: 'mine/busy:v1' });
    const done = await finished(IMAGE_TAG_REQUEST, 'tag-a');
    const id = await h.docker('image', 'inspect', '--format', '{{.Id}}', 'mine/busy:v1');
    expect(done.status).toMatchObject({ phase: 'Complete', result: { kind: 'Image', name: imageMirrorName(id, 'mine/busy:v1'), id } });
    await present(IMAGE, imageMirrorName(id, 'mine/busy:v1'), { repoTag: 'mine/busy:v1' });
  });

  it('fails for a source image that does not exist', async () => {
    await create(IMAGE_TAG_REQUEST, 'tag-missing', { source: 'nothing-here:v9', repoTag: 'mine/none:v1' });
    const done = await finished(IMAGE_TAG_REQUEST, 'tag-missing');
    expect(conditionOf(done)).toMatchObject({ type: 'Failed', reason: 'TagFailed' });
    expect(conditionOf(done).message).toContain('No such image');
  });
});

describe('ContainerCreateRequest', () => {
  it('runs a container with a published port reachable on 127.0.0.1 and a volume mounted', async () => {
    await create(CONTAINER_CREATE_REQUEST, 'web', {
      name: 'web',
      image: busybox(),
      command: ['sh', '-c'],
      args: ['echo "hello $GREETING" > /www/index.html && exec httpd -f -p 8080 -h /www'],
      env: [{ name: 'GREETING', value: 'from rdd' }],
      labels: { app: 'web' },
      ports: [{ containerPort: 8080, hostIP: '127.0.0.1' }],
      mounts: [{ volume: 'web-data', mountPath: '/www' }],
    });
    const done = await finished(CONTAINER_CREATE_REQUEST, 'web');
    expect(conditionOf(done)).toMatchObject({ type: 'Complete', reason: 'Succeeded' });
    const id = await h.docker('inspect', '--format', '{{.Id}}', 'web');
    expect(done.status?.result).toEqual({ kind: 'Container', name: id, id });
    const mount = await h.docker('inspect', '--format', '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}', 'web');
    expect(mount).toBe('volume web-data /www');
    const binding = await h.docker('port', 'web', '8080/tcp');
    expect(binding).toMatch(/^127\.0\.0\.1:\d+$/);
    const body = await vi.waitFor(async () => {
      const res = await fetch(`http://${binding}/index.html`);
      expect(res.status).toBe(200);
      return res.text();
    }, WAIT);
    expect(body).toBe('hello from rdd\n');
  });

  it('after a crash, finds the container it already made instead of making another', async () => {
    // With the controller stopped, stand in for a run that created the container and died before recording it.
    await controller!.stop();
    const req = await create(CONTAINER_CREATE_REQUEST, 'replayed', { name: 'replayed', image: busybox(), args: ['sleep', '3600'] });
    const id = await h.docker('create', '--name', 'replayed', '--label', `${REQUEST_LABEL}=${req.metadata.uid}`, busybox(), 'sleep', '3600');
    await startRequestController();
    const done = await finished(CONTAINER_CREATE_REQUEST, 'replayed');
    expect(conditionOf(done)).toMatchObject({ type: 'Complete', reason: 'Succeeded' });
    expect(done.status?.result?.id).toBe(id);
    expect(await h.docker('inspect', '--format', '{{.State.Status}}', 'replayed')).toBe('running');
  });

  it('fails with StartFailed when the host port is taken, and links the container it created', async () => {
    const port = Number((await h.docker('port', 'web', '8080/tcp')).split(':')[1]);
    await create(CONTAINER_CREATE_REQUEST, 'clash', {
      name: 'clash',
      image: busybox(),
      args: ['sleep', '3600'],
      ports: [{ containerPort: 8080, hostPort: port, hostIP: '127.0.0.1' }],
    });
    const done = await finished(CONTAINER_CREATE_REQUEST, 'clash');
    expect(conditionOf(done)).toMatchObject({ type: 'Failed', reason: 'StartFailed' });
    expect(conditionOf(done).message).toMatch(/already allocated|address already in use/);
    const id = await h.docker('inspect', '--format', '{{.Id}}', 'clash');
    expect(done.status?.result).toEqual({ kind: 'Container', name: id, id });
  });

  it('fails with CreateFailed for a name in use', async () => {
    await create(CONTAINER_CREATE_REQUEST, 'web-again', { name: 'web', image: busybox(), state: 'created' });
    const done = await finished(CONTAINER_CREATE_REQUEST, 'web-again');
    expect(conditionOf(done)).toMatchObject({ type: 'Failed', reason: 'CreateFailed' });
    expect(conditionOf(done).message).toContain('is already in use');
  });

  it('pulls a missing image first and leaves state=created containers created', async () => {
    await create(CONTAINER_CREATE_REQUEST, 'lazy', { name: 'lazy', image: 'busybox:latest', args: ['true'], state: 'created' });
    const done = await finished(CONTAINER_CREATE_REQUEST, 'lazy');
    expect(conditionOf(done).type).toBe('Complete');
    expect(await h.docker('inspect', '--format', '{{.State.Status}}', 'lazy')).toBe('created');
  });
});

describe('kubectl get', () => {
  const kubectl = (...args: string[]) =>
    execa('/usr/bin/kubectl', ['--kubeconfig', h.api.kubeconfigPath, '--cache-dir', path.join(h.api.dir, 'kube-cache'), '-n', NS, ...args], {
      timeout: 60_000,
      env: { HOME: h.api.dir },
    });

  it('prints the request columns', async () => {
    const pulls = (await kubectl('get', 'imagepullrequests')).stdout;
    expect(pulls.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'IMAGE', 'PHASE', 'LAYERS', 'REASON', 'AGE']);
    expect(pulls).toMatch(/pull-ok\s+\S+busybox:latest\s+Complete\s+1\/1\s+\d+s/);
    expect(pulls).toMatch(/pull-missing\s+\S+:no-such-tag\s+Failed\s+PullFailed\s+\d+s/);
    const volumes = (await kubectl('get', 'volumecreaterequests', '-o', 'wide')).stdout;
    expect(volumes.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'VOLUME', 'PHASE', 'REASON', 'RESULT', 'AGE']);
    expect(volumes).toMatch(new RegExp(`vol-a\\s+data-a\\s+Complete\\s+${volumeMirrorName('data-a')}\\s+\\d+s`));
    const creates = (await kubectl('get', 'containercreaterequests')).stdout;
    expect(creates).toMatch(/web-again\s+web\s+\S+busybox:latest\s+Failed\s+CreateFailed/);
    const tags = (await kubectl('get', 'imagetagrequests')).stdout;
    expect(tags).toMatch(/tag-a\s+\S+busybox:latest\s+mine\/busy:v1\s+Complete/);
    // The "requests" category lists every kind.
    const all = (await kubectl('get', 'requests', '-o', 'name')).stdout.split('\n');
    expect(all).toEqual(
      expect.arrayContaining([
        'volumecreaterequest.containers.rancherdesktop.io/vol-a',
        'imagepullrequest.containers.rancherdesktop.io/pull-ok',
        'imagetagrequest.containers.rancherdesktop.io/tag-a',
        'containercreaterequest.containers.rancherdesktop.io/web',
      ]),
    );
  });
});

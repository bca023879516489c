import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fullSync, type FullSyncHooks, type FullSyncResult } from '../../../../../src/engine/controllers/mirror/full-sync.js';
import {
  containerMirror,
  imageMirrors,
  volumeMirror,
  type ContainerInspect,
  type ImageInspect,
  type MirrorDesired,
  type VolumeInspect,
} from '../../../../../src/engine/controllers/mirror/mapping.js';
import { ensureApiNamespace } from '../../../../../src/engine/controllers/mirror/namespaces.js';
import { imageMirrorName } from '../../../../../src/engine/controllers/mirror/naming.js';
import { createLogger } from '../../../../../src/engine/base/log.js';
import { AdmissionDenied, type AdmissionHook, type AdmissionOperation } from '../../../../../src/engine/kube/admission.js';
import type { KubeClient } from '../../../../../src/engine/kube/client.js';
import { MIRROR_FINALIZER } from '../../../../../src/engine/kube/containers.js';
import { EventRecorder } from '../../../../../src/engine/kube/events.js';
import { CONTAINER, IMAGE, VOLUME, type ResourceRef } from '../../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { dockerError } from '../../../../support/docker-stand-in.js';
import { mirrorContext, NS, startMirrorFixture, type MirrorFixture } from '../../../../support/mirror-context.js';

// fullSync against the real in-process API server (the daemon's own client:
// the mirror guardrails refuse mirror writes from any other) and a plain-data
// engine: what it lists, what its inspects answer, and how a broken one fails.
// The same behaviour against a real dockerd: test/integration/engine/controllers/mirror/full-sync.test.ts.

const ZERO = '0001-01-01T00:00:00Z';
const SOCKET = '/var/run/docker.sock';

const hex = (seed: string): string => createHash('sha256').update(seed).digest('hex');

/** An image as the engine has it; `Parent` names the image it was built on (an intermediate image of the classic builder). */
type EngineImage = ImageInspect & { Parent: string };

function containerInspect(name: string, running: boolean): ContainerInspect {
  return {
    Id: hex(`container ${name}`),
    Name: `/${name}`,
    Created: '2026-11-26T06:00:00.123456789Z',
    Path: 'sleep',
    Args: ['1d'],
    Image: `sha256:${hex('image busybox')}`,
    State: {
      Status: running ? 'running' : 'exited',
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: running ? 4242 : 0,
      ExitCode: running ? 0 : 137,
      Error: '',
      StartedAt: '2026-11-26T06:00:01.5Z',
      FinishedAt: running ? ZERO : '2026-11-26T07:00:00Z',
    },
    Config: { Image: 'busybox:latest', Labels: { app: name } },
    NetworkSettings: { Ports: running ? { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] } : {} },
  };
}

function imageInspect(seed: string, tags: string[], parent = ''): EngineImage {
  return {
    Id: `sha256:${hex(`image ${seed}`)}`,
    Parent: parent,
    RepoTags: tags,
    RepoDigests: tags.length > 0 ? [`${tags[0].split(':')[0]}@sha256:${hex(`digest ${seed}`)}`] : [],
    Created: '2026-01-01T00:00:00Z',
    Architecture: 'amd64',
    Os: 'linux',
    Size: 4_261_550,
    Config: { Labels: null },
  };
}

function volume(name: string): VolumeInspect {
  return {
    Name: name,
    Driver: 'local',
    Mountpoint: `/var/lib/docker/volumes/${name}/_data`,
    CreatedAt: '2026-11-26T06:00:00Z',
    Labels: null,
    Scope: 'local',
    Options: null,
  };
}

/** What dockerode rejects with when the engine's socket is gone (no HTTP status). */
function unreachable(): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${SOCKET}`), { errno: -111, code: 'ECONNREFUSED', syscall: 'connect', address: SOCKET });
}

/**
 * The engine as fullSync sees it through dockerode: list answers (stopped
 * containers only with all, intermediate images only with all), inspects
 * that answer 404 for what is gone, and inspects that fail as a broken
 * engine's do. It records the calls, in order.
 */
class EngineStandIn {
  containers = new Map<string, ContainerInspect>();
  images = new Map<string, EngineImage>();
  /** An engine without volumes answers `Volumes: null`. */
  volumes: VolumeInspect[] | null = [];
  /** Inspects (by ID) that fail with this error instead of answering. */
  broken = new Map<string, Error>();
  calls: string[] = [];

  add(...objects: (ContainerInspect | EngineImage | VolumeInspect)[]): this {
    for (const o of objects) {
      if ('State' in o) this.containers.set(o.Id, o);
      else if ('Parent' in o) this.images.set(o.Id, o);
      else this.volumes = [...(this.volumes ?? []), o];
    }
    return this;
  }

  private inspect<T>(kind: 'container' | 'image', objects: Map<string, T>, id: string): Promise<T> {
    this.calls.push(`inspect ${kind} ${id}`);
    const broken = this.broken.get(id);
    if (broken) return Promise.reject(broken);
    const found = objects.get(id);
    return found ? Promise.resolve(structuredClone(found)) : Promise.reject(dockerError(404, `No such ${kind}: ${id}`));
  }

  private isIntermediate(image: EngineImage): boolean {
    const untagged = (image.RepoTags ?? []).length === 0;
    return untagged && [...this.images.values()].some((i) => i.Parent === image.Id);
  }

  get docker(): Docker {
    const engine = {
      listContainers: (opts?: { all?: boolean }) => {
        this.calls.push(`listContainers ${JSON.stringify(opts)}`);
        return Promise.resolve(
          [...this.containers.values()]
            .filter((c) => opts?.all || c.State.Running)
            .map((c) => ({ Id: c.Id, Names: [c.Name], Image: c.Config?.Image, ImageID: c.Image, State: c.State.Status, Labels: c.Config?.Labels })),
        );
      },
      listImages: (opts?: { all?: boolean }) => {
        this.calls.push(`listImages ${JSON.stringify(opts)}`);
        return Promise.resolve(
          [...this.images.values()]
            .filter((i) => opts?.all || !this.isIntermediate(i))
            .map((i) => ({ Id: i.Id, ParentId: i.Parent, RepoTags: i.RepoTags, RepoDigests: i.RepoDigests, Size: i.Size, Labels: i.Config?.Labels })),
        );
      },
      listVolumes: () => {
        this.calls.push('listVolumes');
        return Promise.resolve({ Volumes: structuredClone(this.volumes), Warnings: null });
      },
      getContainer: (id: string) => ({ inspect: () => this.inspect('container', this.containers, id) }),
      getImage: (id: string) => ({ inspect: () => this.inspect('image', this.images, id) }),
    };
    // The subset of dockerode fullSync calls.
    return engine as unknown as Docker;
  }
}

/** `${operation} ${kind} ${name}` the API server refuses (an admission hook), so a write fails for real. */
const refused = new Set<string>();
const refuse = (operation: AdmissionOperation, ref: ResourceRef, name: string) => refused.add(`${operation} ${ref.kind} ${name}`);
const REFUSAL = 'refused by the test';
const refusing: AdmissionHook[] = [CONTAINER, IMAGE, VOLUME].map((ref) => ({
  name: `refuse.${ref.plural}.test`,
  group: ref.group,
  kind: ref.kind,
  validate(req) {
    if (refused.has(`${req.operation} ${ref.kind} ${req.name}`)) throw new AdmissionDenied(`${ref.kind} ${req.namespace}/${req.name}: ${REFUSAL}`);
  },
}));

interface Logged {
  level: string;
  msg: string;
  [field: string]: unknown;
}

let fixture: MirrorFixture;
/** The daemon's in-process client, which full sync writes through. */
let client: KubeClient;
let logged: Logged[];

beforeEach(async () => {
  fixture = await startMirrorFixture({ admission: refusing });
  client = fixture.local;
  logged = [];
}, 60_000);

afterEach(async () => {
  refused.clear();
  await fixture?.stop();
});

const sync = (engine: EngineStandIn, hooks?: FullSyncHooks, namespace?: string): Promise<FullSyncResult> =>
  fullSync(
    mirrorContext({
      client,
      docker: engine.docker,
      namespace,
      log: createLogger({ level: 'debug', format: 'json', write: (line) => logged.push(JSON.parse(line) as Logged) }),
      events: new EventRecorder(client, { component: 'rdd-engine-controller' }),
    }),
    hooks,
  );
const counts = ({ applied, pruned, failed }: FullSyncResult) => ({ applied, pruned, failed });
const warnings = () => logged.filter((l) => l.level === 'warn').map(({ time: _time, level: _level, ...rest }) => rest);

async function mirrors(ref: ResourceRef, namespace = NS): Promise<Map<string, KubeObject>> {
  const list = await client.list(ref, { namespace });
  return new Map(list.items.map((o) => [o.metadata.name!, o]));
}

async function names(ref: ResourceRef, namespace = NS): Promise<string[]> {
  return [...(await mirrors(ref, namespace)).keys()].sort();
}

/** Every mirror's name and resourceVersion: what a write would change. */
async function versions(namespace = NS): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const ref of [CONTAINER, IMAGE, VOLUME]) for (const [name, o] of await mirrors(ref, namespace)) out[`${ref.kind} ${name}`] = o.metadata.resourceVersion;
  return out;
}

/** Each test writes through a real API server: on the loaded shared machine that wants more than the unit default of 5 s. */
const SLOW = { timeout: 30_000 };

const sorted = (desired: readonly MirrorDesired[]) => desired.map((d) => d.name).sort();

describe('fullSync: the engine into its mirrors', SLOW, () => {
  it('mirrors every container (stopped ones too), every tag of every listed image and every volume, counting each write', async () => {
    const web = containerInspect('web', true);
    const done = containerInspect('done', false);
    const base = imageInspect('base', []);
    const busybox = imageInspect('busybox', ['busybox:latest', 'kept:one'], base.Id);
    const dangling = imageInspect('dangling', []);
    const engine = new EngineStandIn().add(web, done, base, busybox, dangling, volume('data'), volume('My_Vol_Ume'));

    const before = Date.now();
    const result = await sync(engine);
    const elapsed = Date.now() - before;

    // The intermediate image `base` is the parent of a listed one: `docker images` does not show it, nor does the mirror.
    const images = [...imageMirrors(busybox), ...imageMirrors(dangling)];
    const volumes = [volumeMirror(volume('data')), volumeMirror(volume('My_Vol_Ume'))];
    expect(counts(result)).toEqual({ applied: 2 + images.length + volumes.length, pruned: 0, failed: 0 });
    expect(images).toHaveLength(3);
    expect(engine.calls.slice(0, 3).sort()).toEqual(['listContainers {"all":true}', 'listImages {"all":false}', 'listVolumes']);

    for (const [ref, desired] of [
      [CONTAINER, [containerMirror(web), containerMirror(done)]],
      [IMAGE, images],
      [VOLUME, volumes],
    ] as const) {
      const live = await mirrors(ref);
      expect([...live.keys()].sort(), ref.kind).toEqual(sorted(desired));
      for (const d of desired) {
        expect(live.get(d.name)?.status, d.name).toEqual(d.status);
        expect(live.get(d.name)?.metadata.finalizers, d.name).toEqual([MIRROR_FINALIZER]);
      }
    }
    expect(result.listMs).toBeGreaterThanOrEqual(0);
    expect(result.syncMs).toBeGreaterThanOrEqual(0);
    expect(result.listMs! + result.syncMs!).toBeLessThanOrEqual(elapsed);
    expect(warnings()).toEqual([]);
  });

  it('counts only the mirrors it wrote: a second sync of the same engine writes nothing, a changed container one write', async () => {
    const web = containerInspect('web', true);
    const engine = new EngineStandIn().add(web, containerInspect('other', false), imageInspect('busybox', ['busybox:latest']), volume('data'));
    await sync(engine);
    const written = await versions();

    expect(counts(await sync(engine))).toEqual({ applied: 0, pruned: 0, failed: 0 });
    expect(await versions()).toEqual(written);

    engine.add({ ...web, State: { ...web.State, Status: 'paused', Paused: true } });
    expect(counts(await sync(engine))).toEqual({ applied: 1, pruned: 0, failed: 0 });
    expect((await client.get(CONTAINER, web.Id, NS)).status).toMatchObject({ status: 'paused' });
    const after = await versions();
    expect(Object.keys(after).filter((k) => after[k] !== written[k])).toEqual([`Container ${web.Id}`]);
  });

  it('prunes the mirrors of whatever the engine no longer has, one tag of an image included, and keeps the rest as they were', async () => {
    const gone = containerInspect('gone', false);
    const busybox = imageInspect('busybox', ['busybox:latest', 'old:tag']);
    const engine = new EngineStandIn().add(containerInspect('stays', true), gone, busybox, volume('stays'), volume('gone'));
    await sync(engine);
    const before = await versions();

    engine.containers.delete(gone.Id);
    engine.add({ ...busybox, RepoTags: ['busybox:latest'] });
    engine.volumes = [volume('stays')];
    expect(counts(await sync(engine))).toEqual({ applied: 0, pruned: 3, failed: 0 });

    const removed = [`Container ${gone.Id}`, `Image ${imageMirrorName(busybox.Id, 'old:tag')}`, `Volume ${volumeMirror(volume('gone')).name}`];
    const after = await versions();
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).filter((k) => !removed.includes(k)).sort());
    for (const k of Object.keys(after)) expect(after[k], k).toBe(before[k]);
  });

  it('prunes every volume mirror of an engine that answers Volumes: null', async () => {
    const engine = new EngineStandIn().add(volume('data'));
    await sync(engine);
    expect(await names(VOLUME)).toHaveLength(1);

    engine.volumes = null;
    expect(counts(await sync(engine))).toEqual({ applied: 0, pruned: 1, failed: 0 });
    expect(await names(VOLUME)).toEqual([]);
  });

  it('runs afterEngineList once the engine was listed and before anything is inspected or written', async () => {
    const engine = new EngineStandIn().add(containerInspect('web', true), imageInspect('busybox', ['busybox:latest']), volume('data'));
    const seen: { calls: string[]; mirrors: string[][] }[] = [];
    await sync(engine, {
      async afterEngineList() {
        seen.push({ calls: [...engine.calls], mirrors: await Promise.all([CONTAINER, IMAGE, VOLUME].map((ref) => names(ref))) });
      },
    });
    expect(seen).toEqual([{ calls: expect.arrayContaining(['listContainers {"all":true}', 'listImages {"all":false}', 'listVolumes']) as unknown, mirrors: [[], [], []] }]);
    expect(seen[0].calls).toHaveLength(3);
    expect(await names(CONTAINER)).toHaveLength(1);
  });

  it('takes what vanished between list and inspect as gone: pruned, not failed, nothing logged', async () => {
    const vanishing = containerInspect('vanishing', false);
    const image = imageInspect('vanishing', ['vanishing:1']);
    const engine = new EngineStandIn().add(containerInspect('stays', true), vanishing, image);
    await sync(engine);
    expect(await names(CONTAINER)).toHaveLength(2);

    const result = await sync(engine, {
      afterEngineList() {
        engine.containers.delete(vanishing.Id);
        engine.images.delete(image.Id);
      },
    });
    expect(engine.calls).toContain(`inspect container ${vanishing.Id}`);
    expect(engine.calls).toContain(`inspect image ${image.Id}`);
    expect(counts(result)).toEqual({ applied: 0, pruned: 2, failed: 0 });
    expect(await names(CONTAINER)).toEqual([containerInspect('stays', true).Id]);
    expect(await names(IMAGE)).toEqual([]);
    expect(warnings()).toEqual([]);
  });

  it('touches no mirror in another namespace', async () => {
    const elsewhere = 'elsewhere';
    await ensureApiNamespace(client, elsewhere);
    const other = new EngineStandIn().add(containerInspect('other', true), imageInspect('other', ['other:1']), volume('other'));
    await sync(other, undefined, elsewhere);
    const before = await versions(elsewhere);
    expect(Object.keys(before)).toHaveLength(3);

    const engine = new EngineStandIn().add(containerInspect('web', true));
    expect(counts(await sync(engine))).toEqual({ applied: 1, pruned: 0, failed: 0 });
    expect(await versions(elsewhere)).toEqual(before);
  });
});

describe('fullSync: a broken engine object or a refused write', SLOW, () => {
  it('keeps the mirror of what it cannot inspect, every tag of an image included, counts it failed and says why', async () => {
    const stuck = containerInspect('stuck', true);
    const removed = containerInspect('removed', false);
    const busybox = imageInspect('busybox', ['busybox:latest', 'kept:one', 'kept:two']);
    // Engine IDs all have 64 hex digits, so no real one extends another; the rule keeps the broken
    // image's tags (its name, `-`, the tag's hash), not every name that merely starts like it.
    const lookalike: EngineImage = { ...imageInspect('lookalike', ['lookalike:1']), Id: `${busybox.Id}0` };
    const engine = new EngineStandIn().add(stuck, removed, busybox, lookalike, volume('data'));
    await sync(engine);
    const before = await versions();
    expect(await names(IMAGE)).toHaveLength(4);

    engine.containers.delete(removed.Id);
    engine.images.delete(lookalike.Id);
    engine.broken.set(stuck.Id, unreachable());
    engine.broken.set(busybox.Id, dockerError(500, 'layer does not exist'));
    expect(counts(await sync(engine))).toEqual({ applied: 0, pruned: 2, failed: 2 });

    const after = await versions();
    const kept = Object.keys(before).filter((k) => k !== `Container ${removed.Id}` && !k.includes(imageMirrorName(lookalike.Id)));
    expect(Object.keys(after).sort()).toEqual(kept.sort());
    for (const k of kept) expect(after[k], k).toBe(before[k]);
    expect(warnings()).toEqual(
      expect.arrayContaining([
        { msg: `full sync: cannot inspect container ${stuck.Id}, leaving its mirror as is`, error: `connect ECONNREFUSED ${SOCKET}` },
        { msg: `full sync: cannot inspect image ${busybox.Id}, leaving its mirror as is`, error: 'layer does not exist' },
      ]),
    );
    expect(warnings()).toHaveLength(2);
  });

  it('keeps the mirror of a volume it cannot map (a malformed list entry), counts it failed and says why', async () => {
    const engine = new EngineStandIn().add(volume('odd'), volume('fine'));
    await sync(engine);
    const before = await versions();

    // Volumes are never inspected: their list entry is all there is, and this one's CreatedAt is no time.
    engine.volumes = [{ ...volume('odd'), CreatedAt: 1764136800 as unknown as string }, volume('fine')];
    expect(counts(await sync(engine))).toEqual({ applied: 0, pruned: 0, failed: 1 });

    expect(await versions()).toEqual(before);
    expect(warnings()).toEqual([{ msg: 'full sync: cannot inspect volume odd, leaving its mirror as is', error: expect.any(String) as unknown }]);
  });

  it('counts a mirror the API server refuses to write as failed, logs it, keeps it, and writes the rest', async () => {
    const refusedNew = containerInspect('refused-new', true);
    const web = containerInspect('web', true);
    const engine = new EngineStandIn().add(web, volume('data'));
    await sync(engine);

    // A new mirror refused at create; an existing one whose status write is refused.
    engine.add(refusedNew, containerInspect('accepted', false), { ...web, State: { ...web.State, Status: 'paused', Paused: true } });
    refuse('CREATE', CONTAINER, refusedNew.Id);
    refuse('UPDATE', CONTAINER, web.Id);
    expect(counts(await sync(engine))).toEqual({ applied: 1, pruned: 0, failed: 2 });

    expect(await names(CONTAINER)).toEqual([web.Id, containerInspect('accepted', false).Id].sort());
    expect((await client.get(CONTAINER, web.Id, NS)).status).toMatchObject({ status: 'running' });
    const cannotApply = (id: string) => ({
      msg: expect.stringMatching(new RegExp(`^full sync: cannot apply Container ${NS}/${id}: .*Container ${NS}/${id}: ${REFUSAL}`)) as unknown,
      object: `Container ${NS}/${id}`,
    });
    expect(warnings()).toEqual(expect.arrayContaining([cannotApply(refusedNew.Id), cannotApply(web.Id)]));
    expect(warnings()).toHaveLength(2);
  });

  it('counts a mirror the API server refuses to delete as failed, logs it, and prunes the rest', async () => {
    const a = containerInspect('a', false);
    const b = containerInspect('b', false);
    const engine = new EngineStandIn().add(a, b, volume('data'));
    await sync(engine);

    engine.containers.clear();
    engine.volumes = [];
    refuse('DELETE', CONTAINER, a.Id);
    expect(counts(await sync(engine))).toEqual({ applied: 0, pruned: 2, failed: 1 });

    expect(await names(CONTAINER)).toEqual([a.Id]);
    expect(await names(VOLUME)).toEqual([]);
    expect(warnings()).toEqual([
      {
        msg: `full sync: cannot prune Container ${NS}/${a.Id}`,
        error: expect.objectContaining({ message: expect.stringMatching(new RegExp(`^cannot delete Container ${NS}/${a.Id}: .*${REFUSAL}`)) as unknown }) as unknown,
      },
    ]);
  });
});

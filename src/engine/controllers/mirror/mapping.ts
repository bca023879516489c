import { CONTAINER, IMAGE, VOLUME, apiVersionOf, type ResourceRef } from '../../kube/resources.js';
import { MOBY_NAMESPACE } from '../../kube/containers.js';
import { formatCommand, formatPorts, formatSize, shortImageId } from './docker-format.js';
import { containerMirrorName, imageMirrorName, volumeMirrorName } from './naming.js';

/*
 * Pure Docker inspect → mirror mapping. The input types are the subset of
 * the Engine API (1.41) the mirror reads, loose enough for docker's nulls.
 */

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Path: string;
  Args?: string[] | null;
  Image: string;
  State: {
    Status: string;
    Running?: boolean;
    Paused?: boolean;
    Restarting?: boolean;
    OOMKilled?: boolean;
    Dead?: boolean;
    Pid?: number;
    ExitCode?: number;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
  };
  Config?: { Image?: string; Labels?: Record<string, string> | null } | null;
  NetworkSettings?: { Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null } | null;
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: string;
  Architecture?: string;
  Os?: string;
  Size?: number;
  Config?: { Labels?: Record<string, string> | null } | null;
}

export interface VolumeInspect {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
  Scope: string;
  Options?: Record<string, string> | null;
}

export interface PortStatus {
  name: string;
  bindings?: { hostIP: string; hostPort: string }[];
}

export interface SimpleCondition {
  type: string;
  status: 'True' | 'False';
}

/** What the engine owns on a mirror: its status (and, for a new Container, spec.state=unknown). */
export interface MirrorDesired {
  ref: ResourceRef;
  name: string;
  status: Record<string, unknown>;
}

/** Docker reports "never" as year 1; kube style omits such times. Second precision, like metav1.Time. */
export function normalizeTime(value: string | undefined): string | undefined {
  if (!value || value.startsWith('0001-01-01')) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms <= 0) return undefined;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Drops undefined, empty strings, empty maps and empty lists so the status reads like kube's omitempty. */
function compact(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  return out;
}

export function containerName(dockerName: string): string {
  return dockerName.replace(/^\/+/, '');
}

export function portsStatus(ports: NonNullable<ContainerInspect['NetworkSettings']>['Ports']): PortStatus[] {
  return Object.entries(ports ?? {})
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([name, bindings]) =>
      bindings && bindings.length > 0
        ? { name, bindings: bindings.map((b) => ({ hostIP: b.HostIp ?? '', hostPort: b.HostPort ?? '' })) }
        : { name },
    );
}

const CONTAINER_CONDITIONS = [
  ['Running', 'Running'],
  ['Paused', 'Paused'],
  ['Restarting', 'Restarting'],
  ['OOMKilled', 'OOMKilled'],
  ['Dead', 'Dead'],
] as const;

export function containerStatus(inspect: ContainerInspect): Record<string, unknown> {
  const state = inspect.State;
  const ports = portsStatus(inspect.NetworkSettings?.Ports);
  return compact({
    name: containerName(inspect.Name),
    namespace: MOBY_NAMESPACE,
    path: inspect.Path,
    args: inspect.Args ?? undefined,
    command: formatCommand(inspect.Path, inspect.Args),
    image: inspect.Image,
    imageName: inspect.Config?.Image,
    ports,
    portSummary: formatPorts(ports),
    labels: inspect.Config?.Labels ?? undefined,
    status: state.Status,
    // pid and exitCode are meaningful at 0 (a stopped container, a clean exit): keep them.
    pid: state.Pid ?? 0,
    exitCode: state.ExitCode ?? 0,
    error: state.Error,
    createdAt: normalizeTime(inspect.Created),
    startedAt: normalizeTime(state.StartedAt),
    finishedAt: normalizeTime(state.FinishedAt),
    conditions: CONTAINER_CONDITIONS.map(
      ([type, field]): SimpleCondition => ({ type, status: state[field] ? 'True' : 'False' }),
    ),
  });
}

export function containerMirror(inspect: ContainerInspect): MirrorDesired {
  return { ref: CONTAINER, name: containerMirrorName(inspect.Id), status: containerStatus(inspect) };
}

/** One mirror per tag; a dangling image (no tags, or only `<none>:<none>`) gets one dangling mirror. */
export function imageMirrors(inspect: ImageInspect): MirrorDesired[] {
  const base = compact({
    namespace: MOBY_NAMESPACE,
    id: inspect.Id,
    repoDigests: (inspect.RepoDigests ?? []).filter((d) => !d.startsWith('<none>')),
    createdAt: normalizeTime(inspect.Created),
    architecture: inspect.Architecture,
    os: inspect.Os,
    shortId: shortImageId(inspect.Id),
    size: inspect.Size,
    displaySize: inspect.Size === undefined ? undefined : formatSize(inspect.Size),
    labels: inspect.Config?.Labels ?? undefined,
  });
  const tags = imageTags(inspect);
  if (tags.length === 0) return [{ ref: IMAGE, name: imageMirrorName(inspect.Id), status: base }];
  return tags.map((repoTag) => ({ ref: IMAGE, name: imageMirrorName(inspect.Id, repoTag), status: { ...base, repoTag } }));
}

export function imageTags(inspect: Pick<ImageInspect, 'RepoTags'>): string[] {
  return (inspect.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
}

export function volumeMirror(volume: VolumeInspect): MirrorDesired {
  return {
    ref: VOLUME,
    name: volumeMirrorName(volume.Name),
    status: compact({
      name: volume.Name,
      namespace: MOBY_NAMESPACE,
      createdAt: normalizeTime(volume.CreatedAt),
      driver: volume.Driver,
      mountpoint: volume.Mountpoint,
      labels: volume.Labels ?? undefined,
      scope: volume.Scope,
      options: volume.Options ?? undefined,
    }),
  };
}

/** The body of a server-side apply of a mirror's status. */
export function statusApplyBody(desired: MirrorDesired, namespace: string): Record<string, unknown> {
  return {
    apiVersion: apiVersionOf(desired.ref),
    kind: desired.ref.kind,
    metadata: { name: desired.name, namespace },
    status: desired.status,
  };
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Label prefixes Kubernetes reserves for itself: a Docker label there would pose as kube's own. */
const RESERVED_PREFIX = /(^|\.)(kubernetes\.io|k8s\.io)$/;

/** Whether `key` is a Kubernetes label key (`[prefix/]name`) outside the prefixes kube reserves. */
function isKubeLabelKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  const prefix = parts.length === 2 ? parts[0] : undefined;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix) || RESERVED_PREFIX.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/**
 * The engine object's Docker labels that are also valid Kubernetes labels
 * (key a qualified name outside kubernetes.io and k8s.io, value at most 63
 * characters of [-A-Za-z0-9_.] starting and ending alphanumeric): they go
 * into the mirror's metadata.labels, so label selectors work server-side.
 * The rest stay in status.labels only (docs/containers-api.md#labels).
 */
export function kubeLabelsOf(dockerLabels: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!dockerLabels || typeof dockerLabels !== 'object') return out;
  for (const [key, value] of Object.entries(dockerLabels as Record<string, unknown>)) {
    if (typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value) && isKubeLabelKey(key)) out[key] = value;
  }
  return out;
}

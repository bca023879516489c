import { createHash } from 'node:crypto';

/** Makes a Docker ID usable as an object name: `/`→`-`, `:`→`.` (so `sha256:ab…` → `sha256.ab…`). */
export function sanitize(id: string): string {
  return id.replaceAll('/', '-').replaceAll(':', '.');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** One mirror per tag: `sanitize(id)-hex(sha256(tag))`; a dangling image (no tag) is `sanitize(id)`. */
export function imageMirrorName(imageId: string, repoTag?: string): string {
  return repoTag === undefined ? sanitize(imageId) : `${sanitize(imageId)}-${sha256Hex(repoTag)}`;
}

/** Docker allows volume names that are not DNS subdomains (`My_Vol_Ume`), so the name is hashed. */
export function volumeMirrorName(volumeName: string): string {
  return `vol-${sha256Hex(volumeName)}`;
}

/** Containers keep their full ID, which is already a valid name. */
export function containerMirrorName(containerId: string): string {
  return containerId;
}

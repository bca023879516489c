import { readFileSync } from 'node:fs';
import { parseDocument, YAMLSeq } from 'yaml';
import { limaTemplatePath } from '../../base/assets.js';
import type { InstancePaths } from '../../base/paths.js';
import { DriverConfigError, type EngineSettings } from '../driver.js';
import { daemonJsonContent, daemonJsonProvision, limaMounts, limaMountType, portForwards, rosettaApplies } from './lima-settings.js';

const LIMA_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'x86_64', arm64: 'aarch64' };

export function limaArch(arch: NodeJS.Architecture): string {
  const mapped = LIMA_ARCH[arch];
  if (!mapped) throw new DriverConfigError(`the lima driver supports x64 and arm64 hosts, not ${arch}`, 'lima');
  return mapped;
}

/** The oldest Lima the template works with: its own `minimumLimaVersion`, so the two cannot drift apart. */
export function minimumLimaVersion(template: string = readFileSync(limaTemplatePath, 'utf8')): string {
  const value: unknown = parseDocument(template).get('minimumLimaVersion');
  if (typeof value !== 'string') throw new Error(`${limaTemplatePath}: minimumLimaVersion must be a version string`);
  return value;
}

/**
 * The Lima YAML for an instance: templates/lima/rd.yaml with this
 * instance's values filled in. Editing the parsed document keeps the
 * template's comments, so the rendered file documents itself too.
 */
export function renderLimaTemplate(
  settings: EngineSettings,
  paths: InstancePaths,
  platform: NodeJS.Platform,
  arch: NodeJS.Architecture,
  daemonJson?: string,
  template: string = readFileSync(limaTemplatePath, 'utf8'),
): string {
  const doc = parseDocument(template);
  doc.commentBefore = [
    ` Rendered by rdd for instance "${paths.instance}" from templates/lima/rd.yaml;`,
    ' rdd rewrites it whenever it creates the VM, so edit the template instead.',
  ].join('\n');
  doc.set('vmType', platform === 'darwin' ? 'vz' : 'qemu');
  doc.set('arch', limaArch(arch));
  if (settings.cpus !== undefined) doc.set('cpus', settings.cpus);
  if (settings.memory !== undefined) doc.set('memory', `${settings.memory}GiB`);
  const rosetta = rosettaApplies(settings, platform, arch);
  doc.setIn(['vmOpts', 'vz', 'rosetta', 'enabled'], rosetta);
  doc.setIn(['vmOpts', 'vz', 'rosetta', 'binfmt'], rosetta);
  doc.setIn(['param', 'ENGINE'], settings.engine);
  doc.set('mounts', doc.createNode(limaMounts(settings)));
  doc.set('mountType', limaMountType(settings));

  const forwards = doc.get('portForwards');
  if (!(forwards instanceof YAMLSeq)) throw new Error(`${limaTemplatePath}: portForwards must be a list`);
  forwards.items = portForwards(settings.engine, paths).map((f) => doc.createNode(f));

  if (daemonJson !== undefined) {
    const provision = doc.get('provision');
    if (!(provision instanceof YAMLSeq)) throw new Error(`${limaTemplatePath}: provision must be a list`);
    const data = doc.createNode(daemonJsonProvision(daemonJsonContent(daemonJson, paths.daemonJson)));
    // First, so the engine script (which restarts dockerd when it changed) sees it; the list's
    // leading comment describes the first entry, so it moves to the entry it was written for.
    const first = provision.items[0] as { commentBefore?: string | null } | undefined;
    if (first) first.commentBefore = provision.commentBefore;
    provision.commentBefore = ` Installs ${paths.daemonJson} as the guest's /etc/docker/daemon.json.`;
    provision.items.unshift(data);
  }
  return doc.toString({ lineWidth: 0 });
}

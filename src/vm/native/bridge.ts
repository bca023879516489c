import { createHash } from 'node:crypto';
import { execa } from 'execa';

/**
 * Each native engine gets its own Linux bridge so that several instances
 * (and test engines) run side by side without fighting over docker0.
 * The name derives from the short dir, which is unique per HOME + instance;
 * IFNAMSIZ limits it to 15 characters.
 */
export function bridgeName(shortDir: string): string {
  return `rdd${createHash('sha256').update(shortDir).digest('hex').slice(0, 10)}`;
}

interface IpAddr {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** The /24s in 10.200.0.0/16 .. 10.254.0.0/16 range that no interface uses yet. */
export function freeSubnet(used: readonly string[], seed: string): string {
  const taken = new Set(used.map((a) => a.split('.').slice(0, 3).join('.')));
  const start = parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 4), 16);
  const candidates = 55 * 256;
  for (let i = 0; i < candidates; i++) {
    const n = (start + i) % candidates;
    const prefix = `10.${200 + Math.floor(n / 256)}.${n % 256}`;
    if (!taken.has(prefix)) return `${prefix}.1/24`;
  }
  throw new Error('no free /24 left in 10.200.0.0-10.254.255.0 for an engine bridge');
}

async function addresses(): Promise<IpAddr[]> {
  const { stdout } = await execa('ip', ['-j', 'addr', 'show']);
  return JSON.parse(stdout) as IpAddr[];
}

/** Creates the bridge with a free /24 if it does not exist; returns its name. Needs root (CAP_NET_ADMIN). */
export async function ensureBridge(shortDir: string): Promise<string> {
  const name = bridgeName(shortDir);
  const links = await addresses();
  const existing = links.find((l) => l.ifname === name);
  if (existing?.addr_info?.some((a) => a.family === 'inet')) return name;
  if (!existing) await execa('ip', ['link', 'add', 'name', name, 'type', 'bridge']);
  const used = links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => a.local));
  await execa('ip', ['addr', 'add', freeSubnet(used, shortDir), 'dev', name]);
  await execa('ip', ['link', 'set', name, 'up']);
  return name;
}

/** Removes the bridge if present. */
export async function removeBridge(shortDir: string): Promise<void> {
  const name = bridgeName(shortDir);
  const links = await addresses();
  if (links.some((l) => l.ifname === name)) await execa('ip', ['link', 'delete', name]);
}

import { createHash } from 'node:crypto';
import { errorMessage } from '../../base/errors.js';
import { silentLogger, type Logger } from '../../base/log.js';
import { run } from './run.js';
import { FAMILIES, bridgeSubnets, deleteRules, orphanedBridges, rulesOfBridge, savedRules, type SavedRule } from './bridge-rules.js';

/**
 * Each native engine gets its own Linux bridge so that several instances
 * (and test engines) run side by side without fighting over docker0.
 * The name derives from the short dir, which is unique per HOME + instance;
 * IFNAMSIZ limits it to 15 characters.
 */
export function bridgeName(shortDir: string): string {
  return `rdd${createHash('sha256').update(shortDir).digest('hex').slice(0, 10)}`;
}

export interface IpAddr {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
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

export async function addresses(): Promise<IpAddr[]> {
  const { stdout } = await run('ip', ['-j', 'addr', 'show']);
  return JSON.parse(stdout) as IpAddr[];
}

/** The global addresses of a link, as `address/prefix`. */
export function cidrsOf(link: IpAddr | undefined): string[] {
  return (link?.addr_info ?? []).filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`);
}

/**
 * Deletes the firewall rules of these bridges (see bridge-rules.ts). Another
 * dockerd may change the rules between our read and our delete, which fails
 * the whole table's transaction: then read again, a few times.
 */
async function removeRulesOf(bridges: readonly string[], links: readonly IpAddr[]): Promise<void> {
  if (bridges.length === 0) return;
  for (const family of FAMILIES) {
    for (let attempt = 1; ; attempt++) {
      const rules = await savedRules(family);
      const doomed = bridges.flatMap((bridge): SavedRule[] => {
        const link = links.find((l) => l.ifname === bridge);
        const others = links.filter((l) => l !== link).flatMap((l) => (l.addr_info ?? []).map((a) => a.local));
        return rulesOfBridge(rules, bridge, bridgeSubnets(rules, bridge, cidrsOf(link), others));
      });
      try {
        await deleteRules(family, doomed);
        break;
      } catch (err) {
        if (attempt >= 3) throw new Error(`cannot remove the ${family} rules of bridge ${bridges.join(', ')}: ${errorMessage(err)}`, { cause: err });
      }
    }
  }
}

/**
 * Rules naming an rdd bridge that no longer exists: left by an instance
 * deleted before rdd removed them, or by a killed engine whose bridge was
 * removed by hand. A stale `-s <subnet> ! -o <gone bridge> -j MASQUERADE`
 * would also masquerade traffic inside a new bridge that reuses the subnet.
 * Returns the links it read.
 */
async function removeOrphanedRules(log: Logger): Promise<IpAddr[]> {
  const rules = (await Promise.all(FAMILIES.map((family) => savedRules(family)))).flat();
  // Links are read after the rules: a bridge made meanwhile (then its rules) is seen as live.
  const links = await addresses();
  await removeRulesOf(orphanedBridges(rules, links.map((l) => l.ifname)), links).catch((err: unknown) =>
    log.warn('rules of removed rdd bridges not cleared', { error: errorMessage(err) }),
  );
  return links;
}

/**
 * Creates the bridge with a free /24 if it does not exist; returns its name.
 * Clears rules of rdd bridges that are gone first. Needs root (CAP_NET_ADMIN).
 */
export async function ensureBridge(shortDir: string, log: Logger = silentLogger): Promise<string> {
  const name = bridgeName(shortDir);
  // Someone else's leftovers must not keep this engine from starting (their removal only warns).
  const links = await removeOrphanedRules(log);
  const existing = links.find((l) => l.ifname === name);
  if (existing?.addr_info?.some((a) => a.family === 'inet')) return name;
  const used = links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => a.local));
  // One `ip` process for the three steps: each process costs more than the step (an engine start waits on it).
  const steps = [
    ...(existing ? [] : [`link add name ${name} type bridge`]),
    `addr add ${freeSubnet(used, shortDir)} dev ${name}`,
    `link set ${name} up`,
  ];
  await run('ip', ['-batch', '-'], { input: `${steps.join('\n')}\n` });
  return name;
}

/**
 * Removes the bridge, if present, and every firewall rule dockerd made for it
 * (also when the link itself is already gone). Call only when its engine is stopped.
 */
export async function removeBridge(shortDir: string): Promise<void> {
  const name = bridgeName(shortDir);
  const links = await addresses();
  await removeRulesOf([name], links);
  if (links.some((l) => l.ifname === name)) await run('ip', ['link', 'delete', name]);
}

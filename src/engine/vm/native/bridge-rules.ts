import { BlockList, isIP } from 'node:net';
import { run } from './run.js';

/**
 * The firewall rules dockerd writes for an engine bridge (FORWARD, DOCKER,
 * DOCKER-ISOLATION-*, POSTROUTING MASQUERADE) and never removes, not even on a
 * clean exit. They are found in `iptables-save` by anchored matching only: an
 * interface flag whose value is exactly the bridge name, or an address flag
 * whose value lies inside the bridge's subnet in a rule that names no other
 * interface. We run the `iptables-save`/`iptables-restore` found on PATH, the
 * same alternative (nf_tables or legacy) as the `iptables` dockerd runs.
 */

export interface SavedRule {
  table: string;
  /** The rule as `iptables-save` prints it, starting with `-A <chain>`. */
  rule: string;
}

const INTERFACE_FLAGS = new Set(['-i', '-o', '--in-interface', '--out-interface']);
const ADDRESS_FLAGS = new Set(['-s', '-d', '--source', '--destination']);
const SOURCE_FLAGS = new Set(['-s', '--source']);
/** rdd's engine bridges, as `bridgeName()` makes them. */
const RDD_BRIDGE = /^rdd[0-9a-f]{10}$/;

/** The `-A` rules of an `iptables-save` dump, with their table. */
export function parseIptablesSave(text: string): SavedRule[] {
  const rules: SavedRule[] = [];
  let table: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (table !== undefined && line.startsWith('-A ')) rules.push({ table, rule: line.trim() });
  }
  return rules;
}

function flagValues(rule: string, flags: ReadonlySet<string>): string[] {
  const tokens = rule.split(/\s+/);
  return tokens.flatMap((token, i) => (flags.has(token) && i + 1 < tokens.length ? [tokens[i + 1]] : []));
}

/** The interfaces a rule matches on (`-i`/`-o`, negated or not). */
export function ruleInterfaces(rule: string): string[] {
  return flagValues(rule, INTERFACE_FLAGS);
}

/** CIDRs (`10.1.2.1/24`, host bits allowed) as a BlockList; what is not an IPv4/IPv6 CIDR is skipped. */
function subnetList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/');
    const family = isIP(address);
    if (family === 0) continue;
    list.addSubnet(address, prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function addressInside(value: string, subnets: BlockList): boolean {
  const address = value.split('/')[0];
  const family = isIP(address);
  return family !== 0 && subnets.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The rules that belong to `bridge`: those naming it as an interface, and
 * those naming no interface with an address inside one of `subnets` (the
 * hairpin MASQUERADE of a published port).
 */
export function rulesOfBridge(rules: readonly SavedRule[], bridge: string, subnets: readonly string[]): SavedRule[] {
  const inside = subnetList(subnets);
  return rules.filter(({ rule }) => {
    const interfaces = ruleInterfaces(rule);
    if (interfaces.includes(bridge)) return true;
    return interfaces.length === 0 && subnets.length > 0 && flagValues(rule, ADDRESS_FLAGS).some((v) => addressInside(v, inside));
  });
}

/**
 * The subnets whose interface-less rules belong to `bridge`: its own
 * addresses while it exists; once it is gone, the `-s` of its MASQUERADE rule,
 * unless a live interface now uses that subnet (its rules are not ours).
 */
export function bridgeSubnets(
  rules: readonly SavedRule[],
  bridge: string,
  own: readonly string[],
  otherAddresses: readonly string[],
): string[] {
  if (own.length > 0) return [...own];
  const named = rules.filter(({ rule }) => ruleInterfaces(rule).includes(bridge));
  const sources = new Set(named.flatMap(({ rule }) => flagValues(rule, SOURCE_FLAGS)));
  return [...sources].filter((cidr) => {
    const inside = subnetList([cidr]);
    return !cidr.endsWith('/32') && !otherAddresses.some((address) => addressInside(address, inside));
  });
}

export function isRddBridge(name: string): boolean {
  return RDD_BRIDGE.test(name);
}

/** rdd bridges that rules still name but that no longer exist as links. */
export function orphanedBridges(rules: readonly SavedRule[], liveLinks: readonly string[]): string[] {
  const live = new Set(liveLinks);
  const named = rules.flatMap(({ rule }) => ruleInterfaces(rule)).filter((name) => isRddBridge(name) && !live.has(name));
  return [...new Set(named)];
}

/** `iptables-restore --noflush` input deleting exactly these rules, table by table. */
export function deletionScript(rules: readonly SavedRule[]): string {
  const tables = [...new Set(rules.map((r) => r.table))];
  return tables
    .map((table) => [`*${table}`, ...rules.filter((r) => r.table === table).map((r) => r.rule.replace(/^-A /, '-D ')), 'COMMIT'].join('\n'))
    .join('\n')
    .concat('\n');
}

/** The rules of `wanted` that `current` lacks, in `wanted`'s order. */
export function missingRules(wanted: readonly SavedRule[], current: readonly SavedRule[]): SavedRule[] {
  const present = new Set(current.map((r) => `${r.table} ${r.rule}`));
  return wanted.filter((r) => !present.has(`${r.table} ${r.rule}`));
}

const chainOf = (r: SavedRule) => `${r.table} ${r.rule.split(/\s+/)[1]}`;

/**
 * `iptables-restore --noflush` input that puts back the rules of `wanted`
 * missing from `current`. dockerd's own chains (DOCKER,
 * DOCKER-ISOLATION-STAGE-1/2) end with a catch-all RETURN that an appended
 * rule would never pass, and their order matters within one bridge's rules
 * (a hairpin DNAT sits before the bridge's RETURN): so in such a chain with a
 * missing rule, the wanted rules still there are deleted and all of them go
 * back at the top, in their old order. Rules of other chains are appended.
 */
export function restorationScript(wanted: readonly SavedRule[], current: readonly SavedRule[]): string {
  const missing = new Set(missingRules(wanted, current));
  const broken = new Set([...missing].map(chainOf));
  const tables = [...new Set([...missing].map((r) => r.table))];
  return tables
    .map((table) => {
      const own = wanted.filter((r) => r.table === table);
      const ordered = own.filter((r) => r.rule.startsWith('-A DOCKER') && broken.has(chainOf(r)));
      const deleted = ordered.filter((r) => !missing.has(r)).map((r) => r.rule.replace(/^-A /, '-D '));
      const toTop = [...ordered].reverse().map((r) => r.rule.replace(/^-A (\S+)/, '-I $1 1'));
      const appended = own.filter((r) => missing.has(r) && !r.rule.startsWith('-A DOCKER')).map((r) => r.rule);
      return [`*${table}`, ...deleted, ...toTop, ...appended, 'COMMIT'].join('\n');
    })
    .join('\n')
    .concat('\n');
}

export type IpFamily = 'iptables' | 'ip6tables';
export const FAMILIES: readonly IpFamily[] = ['iptables', 'ip6tables'];

/** The current rules of one family; none when the tool is not installed or the kernel has no such tables. */
export async function savedRules(family: IpFamily): Promise<SavedRule[]> {
  const result = await run(`${family}-save`, [], { reject: false });
  return result.exitCode === 0 ? parseIptablesSave(result.stdout) : [];
}

/** Puts back what `current` lacks of `wanted`, in one transaction per table (see `restorationScript`). */
export async function restoreRules(family: IpFamily, wanted: readonly SavedRule[], current: readonly SavedRule[]): Promise<void> {
  await run(`${family}-restore`, ['-w', '--noflush'], { input: restorationScript(wanted, current) });
}

/** Deletes the rules in one transaction per table; `-w` waits for a concurrent dockerd's xtables lock. */
export async function deleteRules(family: IpFamily, rules: readonly SavedRule[]): Promise<void> {
  if (rules.length === 0) return;
  await run(`${family}-restore`, ['-w', '--noflush'], { input: deletionScript(rules) });
}

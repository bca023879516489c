import type { Logger } from '../../base/log.js';
import { addresses, cidrsOf } from './bridge.js';
import { FAMILIES, isRddBridge, missingRules, restoreRules, rulesOfBridge, savedRules, type IpFamily, type SavedRule } from './bridge-rules.js';

/** The rules of other instances' bridges, per family, as they were before a dockerd start. */
export type RuleSnapshot = ReadonlyMap<IpFamily, SavedRule[]>;

/*
 * dockerd flushes its own chains (nat DOCKER, filter DOCKER,
 * DOCKER-ISOLATION-STAGE-1/2) when it starts and fills them with the rules of
 * its own networks only: every other dockerd on the host loses its port
 * forwards and the isolation between its bridge and the others'
 * (docs/instances.md#instances-on-one-host). So an engine start reads the
 * rules of the other rdd bridges first and puts back what the start removed.
 * Starts take turns (host-lock.ts), so no other rdd engine flushes meanwhile.
 */

/** Reads the rules of every rdd bridge but `own`. */
export async function snapshotOtherBridges(own: string): Promise<RuleSnapshot> {
  const others = (await addresses()).filter((link) => isRddBridge(link.ifname) && link.ifname !== own);
  const snapshot = new Map<IpFamily, SavedRule[]>();
  if (others.length === 0) return snapshot;
  for (const family of FAMILIES) {
    const rules = await savedRules(family);
    snapshot.set(family, others.flatMap((link) => rulesOfBridge(rules, link.ifname, cidrsOf(link))));
  }
  return snapshot;
}

/** Puts back the rules of `snapshot` that are missing now; returns how many. */
export async function restoreOtherBridges(snapshot: RuleSnapshot, log: Logger): Promise<number> {
  let restored = 0;
  for (const [family, wanted] of snapshot) {
    if (wanted.length === 0) continue;
    const current = await savedRules(family);
    const missing = missingRules(wanted, current);
    if (missing.length === 0) continue;
    await restoreRules(family, wanted, current);
    log.info(`restored ${missing.length} ${family} rules of other instances' engines that the engine start removed`, { family, rules: missing.length });
    restored += missing.length;
  }
  return restored;
}

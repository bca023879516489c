import { DriverError } from '../driver.js';

/**
 * What dockerd prints when another dockerd changed the host firewall under it
 * while it set up its own chains: the same start passes once the other one is
 * done (docs/instances.md#instances-on-one-host).
 */
const FIREWALL_RACE = /Chain already exists|No chain\/target\/match|DOCKER-ISOLATION|xtables lock|iptables failed|ip6?tables[^\n]*(exit status|failed)/i;

/** Whether an engine that exited while starting, with this log tail, lost a race with another engine's start. */
export function lostFirewallRace(logTail: string): boolean {
  return FIREWALL_RACE.test(logTail);
}

/** An engine start that failed on a transient engine error: retried at once with backoff, then by the App's queue. */
export class TransientStartError extends DriverError {
  constructor(message: string) {
    super(message, 'native');
    this.name = 'TransientStartError';
  }
}

/** Attempts of one engine start, and the pause before the second (doubling after). */
export const START_ATTEMPTS = 3;
export const START_RETRY_BASE_MS = 500;

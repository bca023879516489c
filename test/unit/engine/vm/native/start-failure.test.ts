import { describe, expect, it } from 'vitest';
import { lostFirewallRace } from '../../../../../src/engine/vm/native/start-failure.js';

// Log tails of dockerd 28 that exited while starting.
describe('lostFirewallRace', () => {
  it.each([
    'failed to start daemon: Error initializing network controller: error obtaining controller instance: failed to register "bridge" driver: failed to create NAT chain DOCKER: iptables failed: iptables --wait -t nat -N DOCKER: iptables: Chain already exists.',
    'failed to start daemon: ... Unable to enable ACCEPT OUTGOING rule: (iptables failed: iptables --wait -t filter -A DOCKER-ISOLATION-STAGE-1 -i rdd0 ! -o rdd0 -j DOCKER-ISOLATION-STAGE-2: iptables v1.8.9 (nf_tables): No chain/target/match by that name.',
    'Another app is currently holding the xtables lock. Perhaps you want to use the -w option?',
  ])('transient: %s', (tail) => expect(lostFirewallRace(tail)).toBe(true));

  it.each([
    'unable to configure the Docker daemon with file /x/daemon.json: the following directives don\'t match any configuration option: nope',
    'failed to start daemon: error while opening volume store metadata database: timeout',
    '',
  ])('not transient: %s', (tail) => expect(lostFirewallRace(tail)).toBe(false));
});

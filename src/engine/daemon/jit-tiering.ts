import { setFlagsFromString } from 'node:v8';

/**
 * How much bytecode a function runs before V8 considers optimizing it:
 * ~7× V8's default (67,584 in Node 20).
 *
 * The daemon's work comes in bursts (a full sync, a batch of engine events)
 * in a process that has not run that code yet. With the default budget V8
 * optimizes hundreds of lukewarm functions during the first burst, and that
 * compilation (on V8's worker threads) was a third of a 1,000-container
 * sync's CPU. With this budget only the really hot functions are optimized:
 * the 1k write path takes ~25 % less CPU in the same wall time, and at 10k
 * objects, where everything hot is optimized either way, the cost is the same
 * (docs/performance.md, round 5).
 */
const INTERRUPT_BUDGET = 500_000;

/** Applies the daemon's JIT tiering; the benches that stand in for the daemon call it too. */
export function tuneJitForBursts(): void {
  setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
}

import type { DriverName, DriverState, EngineSettings, StartProgress, VmDriver } from '../../../../../src/engine/vm/driver.js';

/**
 * A VM driver seam for App controller tests: the phase is plain data, and a test tells the
 * controller about it (poke, crash) as a real driver's own state changes would. Subclasses
 * script `start`.
 */
export abstract class FakeDriver implements VmDriver {
  phase: DriverState = { phase: 'absent' };
  private readonly listeners = new Set<(s: DriverState) => void>();

  constructor(readonly name: DriverName = 'native') {}

  abstract start(settings: EngineSettings, signal?: AbortSignal, onProgress?: (p: StartProgress) => void): Promise<void>;

  async stop(): Promise<void> {
    this.phase = { phase: 'stopped' };
  }
  async remove(): Promise<void> {
    this.phase = { phase: 'absent' };
  }
  async state(): Promise<DriverState> {
    return this.phase;
  }
  onStateChange(listener: (s: DriverState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async dispose(): Promise<void> {}
  /** A state change notification without a change: makes the controller reconcile now (unless its key is parked or backing off). */
  poke(): void {
    for (const l of this.listeners) l(this.phase);
  }
  /** The driver gave up restarting a dead engine. */
  crash(message: string): void {
    this.phase = { phase: 'crashed', message };
    this.poke();
  }
}

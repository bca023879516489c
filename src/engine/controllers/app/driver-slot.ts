import type { DriverContext, DriverState, VmDriver } from '../../vm/driver.js';
import type { DriverChoice } from '../../vm/select-driver.js';

export type DriverFactory = (choice: DriverChoice, ctx: DriverContext) => Promise<VmDriver>;

/** Whether an engine (or the driver's attempt to keep one) exists that a stop must end. */
export function isUp(phase: DriverState['phase']): boolean {
  return phase === 'running' || phase === 'crashed' || phase === 'restarting';
}

/**
 * The one VM driver the App's `spec.vm.driver` chose, made on first use and
 * kept: a driver holds the engine's supervision, so it is replaced only when
 * the choice changes, and then the old driver's engine is stopped first.
 */
export class DriverSlot {
  private active?: { choice: DriverChoice; driver: VmDriver; unsubscribe: () => void };

  constructor(
    private readonly make: DriverFactory,
    private readonly ctx: DriverContext,
    /** Hears every state change of the driver in the slot (a crash, a restart, a give-up). */
    private readonly onStateChange: (state: DriverState) => void,
  ) {}

  /** The driver in the slot, if any. */
  get current(): VmDriver | undefined {
    return this.active?.driver;
  }

  /** The driver for `choice`; a different choice stops the engine of the driver in the slot and releases it. */
  async get(choice: DriverChoice, signal: AbortSignal): Promise<VmDriver> {
    if (this.active?.choice === choice) return this.active.driver;
    if (this.active) {
      this.ctx.log.info(`VM driver changes from ${this.active.choice} to ${choice}; stopping the engine of the old one`);
      await this.active.driver.stop(signal);
      await this.release();
    }
    const driver = await this.make(choice, this.ctx);
    this.active = { choice, driver, unsubscribe: driver.onStateChange(this.onStateChange) };
    return driver;
  }

  /** Lets go of the driver without stopping its engine. */
  async release(): Promise<void> {
    const current = this.active;
    this.active = undefined;
    if (!current) return;
    current.unsubscribe();
    await current.driver.dispose();
  }
}

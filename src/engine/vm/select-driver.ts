import { RddError } from '../base/errors.js';
import type { DriverContext, VmDriver } from './driver.js';
import { pathLookup, type ExecutableLookup } from './find-executable.js';

export type DriverChoice = 'auto' | 'lima' | 'native';

export interface DriverSelectionEnvironment {
  lookup?: ExecutableLookup;
  platform?: NodeJS.Platform;
}

const INSTALL_LIMA = 'install Lima (https://lima-vm.io/docs/installation/), e.g. `brew install lima` on macOS';

/** Which driver `choice` means here: auto = lima when limactl is installed, else native on Linux. */
export function resolveDriverChoice(choice: DriverChoice, env: DriverSelectionEnvironment = {}): 'lima' | 'native' {
  const lookup = env.lookup ?? pathLookup();
  const platform = env.platform ?? process.platform;
  const hasLimactl = lookup('limactl') !== undefined;
  if (choice === 'auto') {
    if (hasLimactl) return 'lima';
    if (platform === 'linux') return 'native';
    throw new RddError(`no VM driver available on ${platform}: limactl is not on PATH`, { suggestion: INSTALL_LIMA });
  }
  if (choice === 'lima' && !hasLimactl) {
    throw new RddError('the lima driver needs limactl, which is not on PATH', {
      suggestion: `${INSTALL_LIMA}; on Linux the native driver needs no VM`,
    });
  }
  if (choice === 'native' && platform !== 'linux') {
    throw new RddError(`the native driver runs only on Linux, not on ${platform}`, { suggestion: `${INSTALL_LIMA} and use the lima driver` });
  }
  return choice;
}

/** The driver for an instance; drivers are imported lazily so CLI startup stays cheap. */
export async function createDriver(
  choice: DriverChoice,
  ctx: DriverContext,
  env: DriverSelectionEnvironment = {},
): Promise<VmDriver> {
  if (resolveDriverChoice(choice, env) === 'lima') {
    const { LimaDriver } = await import('./lima/lima-driver.js');
    return new LimaDriver(ctx, { limactl: (env.lookup ?? pathLookup())('limactl') });
  }
  const { NativeDriver } = await import('./native/native-driver.js');
  return new NativeDriver(ctx, { lookup: env.lookup });
}

/**
 * Imports the module of the driver `choice` resolves to, without making a
 * driver: a daemon does this while it waits for its first App, so that the
 * first engine start does not wait for the import.
 */
export async function preloadDriver(choice: DriverChoice, env: DriverSelectionEnvironment = {}): Promise<void> {
  await (resolveDriverChoice(choice, env) === 'lima' ? import('./lima/lima-driver.js') : import('./native/native-driver.js'));
}

import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';

/**
 * CPU profile of one window of a bench (not of its set-up), written as a
 * .cpuprofile that Chrome DevTools opens; `scripts/profile-summary.mjs` prints
 * where the self time went. A no-op without a file.
 */
export async function profileWindow(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

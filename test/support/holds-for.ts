/**
 * Checks `check` again and again for `ms`: how a test proves that something
 * does NOT happen after an action, over a bounded window rather than once
 * right after it (when nothing could have happened yet). Fails at the first
 * check that fails.
 */
export async function holdsFor(ms: number, check: () => Promise<void> | void, intervalMs = 100): Promise<void> {
  const end = Date.now() + ms;
  do {
    await check();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  } while (Date.now() < end);
}

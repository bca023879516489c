/** Exponential backoff 1 s → 30 s by default; injectable so tests can assert the delays. */
export type BackoffFn = (failures: number) => number;
export const defaultBackoff: BackoffFn = (failures) => Math.min(1000 * 2 ** Math.max(0, failures - 1), 30_000);

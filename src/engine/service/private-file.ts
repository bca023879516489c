import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFailure } from './write-failure.js';

/** Writes a file readable by the owner only (0600), atomically, so readers never see half of it. */
export function writePrivateFile(file: string, content: string): void {
  const draft = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(draft, content, { mode: 0o600 });
    renameSync(draft, file);
  } catch (err) {
    // A full disk fails the write half-way: no draft is left behind.
    rmSync(draft, { force: true });
    throw writeFailure(file, err);
  }
}

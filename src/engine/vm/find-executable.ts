import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Looks a command up on a PATH string the way a shell would; injectable so driver selection is testable. */
export type ExecutableLookup = (name: string) => string | undefined;

export function pathLookup(searchPath: string | undefined = process.env.PATH): ExecutableLookup {
  const dirs = (searchPath ?? '').split(path.delimiter).filter(Boolean);
  return (name) => {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      try {
        if (!statSync(candidate).isFile()) continue;
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here or not executable: keep looking, as a shell does
      }
    }
    return undefined;
  };
}

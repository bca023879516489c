import { statSync } from 'node:fs';

/** Which file a path leads to. */
interface Identity {
  dev: number;
  ino: number;
}

function identityOf(file: string): Identity | undefined {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats && { dev: stats.dev, ino: stats.ino };
}

/** A store file whose path no longer leads to the file the daemon has open. */
export interface LostFile {
  file: string;
  how: 'removed' | 'replaced';
}

/**
 * The store's files (database, WAL) as the daemon opened them. SQLite keeps
 * writing to the files it holds open even after their paths are removed or
 * replaced: those writes would be acknowledged and then lost with the next
 * crash or restart. Comparing what each path leads to (device and inode) with
 * what was opened costs one stat per file (~2 µs): cheap enough before every
 * commit.
 */
export class OpenFiles {
  private readonly opened: { file: string; id: Identity }[];

  /** Records the files that exist now; a file that does not exist yet is not watched. */
  constructor(files: readonly string[]) {
    this.opened = files.flatMap((file) => {
      const id = identityOf(file);
      return id ? [{ file, id }] : [];
    });
  }

  /** The first file whose path is gone or leads elsewhere; undefined while all are as opened. */
  lost(): LostFile | undefined {
    for (const { file, id } of this.opened) {
      const now = identityOf(file);
      if (!now) return { file, how: 'removed' };
      if (now.dev !== id.dev || now.ino !== id.ino) return { file, how: 'replaced' };
    }
    return undefined;
  }
}

/**
 * Points this process's HOME (and XDG_DATA_HOME, or none) elsewhere, for tests
 * that spawn a real daemon: it finds its instance from them, as a user's
 * would. Returns the restore. `process.env.X = undefined` would store the
 * string "undefined", so a variable that was unset is deleted again.
 */
export function useHome(home: string, dataHome?: string): () => void {
  const saved = { HOME: process.env.HOME, XDG_DATA_HOME: process.env.XDG_DATA_HOME };
  process.env.HOME = home;
  if (dataHome === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = dataHome;
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

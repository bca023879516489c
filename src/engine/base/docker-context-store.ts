import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The Docker CLI's config dir: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME ?? os.homedir(), '.docker');
}

export function contextName(instance: string): string {
  return `rancher-desktop-${instance}`;
}

/** Where the Docker CLI keeps a context's metadata: contexts/meta/<sha256(name)>/meta.json. */
export function contextMetaPath(configDir: string, name: string): string {
  return path.join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json');
}

interface ContextMeta {
  Name: string;
  Metadata: Record<string, unknown>;
  Endpoints: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

/** Writes via a temp file and rename, so the Docker CLI never reads a half-written file. */
async function writeAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content, { mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** Creates or updates the context `name` with a Docker endpoint at `host` (e.g. unix:///…/docker.sock). */
export async function writeContext(configDir: string, name: string, host: string): Promise<void> {
  const meta: ContextMeta = { Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } };
  await writeAtomic(contextMetaPath(configDir, name), JSON.stringify(meta) + '\n');
}

export async function removeContext(configDir: string, name: string): Promise<void> {
  await rm(path.dirname(contextMetaPath(configDir, name)), { recursive: true, force: true });
}

/** The Docker endpoint of a stored context, or undefined when there is no such context. */
export async function contextHost(configDir: string, name: string): Promise<string | undefined> {
  const meta = await readJson<ContextMeta>(contextMetaPath(configDir, name));
  return meta?.Endpoints?.docker?.Host;
}

const configPath = (configDir: string) => path.join(configDir, 'config.json');

/** `currentContext` from config.json; undefined means the CLI's "default". */
export async function currentContext(configDir: string): Promise<string | undefined> {
  const config = await readJson<{ currentContext?: string }>(configPath(configDir));
  return config?.currentContext || undefined;
}

/** Sets (or with undefined, clears) `currentContext`, keeping every other key of config.json. */
export async function setCurrentContext(configDir: string, name: string | undefined): Promise<void> {
  const config = (await readJson<Record<string, unknown>>(configPath(configDir))) ?? {};
  if (name === undefined) delete config.currentContext;
  else config.currentContext = name;
  await writeAtomic(configPath(configDir), JSON.stringify(config, null, '\t') + '\n');
}

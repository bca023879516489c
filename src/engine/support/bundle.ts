import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { errorMessage } from '../base/errors.js';
import type { InstancePaths } from '../base/paths.js';
import { json, type CollectContext, type Collector, type CollectorReport } from './collector.js';
import { COLLECTORS } from './collectors/index.js';
import { instanceProcesses, type ProcessInfo } from './processes.js';
import { createRedactor, secretEnvValues, type Redactor } from './redact.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/** A bundle is for one reader: its archive, and every directory and file in it, are the user's only. */
const PRIVATE_DIR = { recursive: true, mode: 0o700 } as const;
const PRIVATE_FILE = { mode: 0o600 } as const;

export interface BundleOptions {
  paths: InstancePaths;
  /** Output file; default `rdd-support-<instance>-<UTC time>.tar.gz` in cwd. */
  output?: string;
  cwd?: string;
  now?: Date;
  collectors?: readonly Collector[];
  /** Called when a collector starts or ends, for a spinner. */
  onProgress?: (text: string) => void;
}

export interface BundleResult {
  file: string;
  manifest: { instance: string; createdAt: string; collectors: CollectorReport[] };
}

/** 2026-11-26T06:40:00.123Z → 20261126T064000Z */
function compactUtc(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Secrets we can name up front: the instance token and secret-looking env values of its processes and ours. */
async function knownSecrets(paths: InstancePaths, procs: readonly ProcessInfo[]): Promise<string[]> {
  const kubeconfig = await readFile(paths.kubeconfig, 'utf8').catch(() => '');
  const fromKubeconfig = [...kubeconfig.matchAll(/^\s*(?:token|client-key-data):\s*["']?([^\s"']+)/gm)].map((m) => m[1]);
  return [...fromKubeconfig, ...secretEnvValues(process.env), ...procs.flatMap((p) => secretEnvValues(p.environ))];
}

async function runCollector(
  collector: Collector,
  base: Pick<CollectContext, 'paths' | 'processes'>,
  staging: string,
  redact: Redactor,
): Promise<CollectorReport> {
  const started = Date.now();
  const report: CollectorReport = { name: collector.name, files: [], durationMs: 0 };
  const timeoutMs = collector.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const writes: Promise<void>[] = [];
  const ctx: CollectContext = {
    ...base,
    signal: controller.signal,
    add(file: string, content: string) {
      if (controller.signal.aborted) return;
      report.files.push(file);
      const target = path.join(staging, file);
      writes.push(mkdir(path.dirname(target), PRIVATE_DIR).then(() => writeFile(target, redact(content), PRIVATE_FILE)));
    },
    skip(reason: string) {
      report.skipped = report.skipped ? `${report.skipped}; ${reason}` : reason;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([collector.collect(ctx), deadline]);
  } catch (err) {
    report.error = redact(errorMessage(err));
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  await Promise.allSettled(writes);
  report.durationMs = Date.now() - started;
  return report;
}

/**
 * Writes a support bundle (docs/support-bundle.md): every collector runs under its own
 * deadline and none can stop the others; each file passes the redaction pass.
 */
export async function writeSupportBundle(options: BundleOptions): Promise<BundleResult> {
  const now = options.now ?? new Date();
  const { paths } = options;
  const name = `rdd-support-${paths.instance}-${compactUtc(now)}`;
  const file = path.resolve(options.cwd ?? process.cwd(), options.output ?? `${name}.tar.gz`);
  const staging = await mkdtemp(path.join(os.tmpdir(), 'rdd-bundle-'));
  try {
    const root = path.join(staging, name);
    await mkdir(root, PRIVATE_DIR);
    const processes = instanceProcesses(paths.instance);
    const redact = createRedactor();
    redact.addSecrets(await knownSecrets(paths, processes));
    const collectors = options.collectors ?? COLLECTORS;
    let done = 0;
    options.onProgress?.(`collecting ${collectors.map((c) => c.name).join(', ')}`);
    const reports = await Promise.all(
      collectors.map(async (c) => {
        const report = await runCollector(c, { paths, processes }, root, redact);
        options.onProgress?.(`collected ${++done}/${collectors.length} (${c.name} done)`);
        return report;
      }),
    );
    const manifest = { instance: paths.instance, createdAt: now.toISOString(), collectors: reports };
    await writeFile(path.join(root, 'manifest.json'), redact(json(manifest)), PRIVATE_FILE);
    options.onProgress?.(`writing ${file}`);
    await mkdir(path.dirname(file), PRIVATE_DIR);
    // Made private before anything is in it (tar keeps the mode of a file it overwrites); chmod for one that was there.
    await writeFile(file, '', PRIVATE_FILE);
    await chmod(file, 0o600);
    await tar.c({ gzip: true, file, cwd: staging, portable: true }, [name]);
    return { file, manifest };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

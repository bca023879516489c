import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ownsArgv, type EngineLayout } from './engine-layout.js';

/** argv of a live process, or undefined when it is gone or a zombie (a zombie has an empty cmdline). */
export function processArgv(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const argv = raw.split('\0');
    if (argv.at(-1) === '') argv.pop();
    return argv.length > 0 ? argv : undefined;
  } catch {
    return undefined;
  }
}

export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether pid is alive AND is this layout's engine; a bare PID is never trusted (it may have been reused). */
export function isEngineProcess(layout: EngineLayout, pid: number): boolean {
  const argv = processArgv(pid);
  return argv !== undefined && ownsArgv(layout, argv);
}

/** The PID of this layout's engine from its pidfile, if that process is still ours. */
export function findEngineProcess(layout: EngineLayout): number | undefined {
  const pid = readPidFile(layout.pidFile);
  return pid !== undefined && isEngineProcess(layout, pid) ? pid : undefined;
}

/** Engines this process started that have not exited: their exit is an event (engine-exit.ts). */
const children = new Map<number, ChildProcess>();

/** The running child process with this PID, if this process started it. */
export function childProcess(pid: number): ChildProcess | undefined {
  return children.get(pid);
}

/**
 * Starts the engine in its own session with stdio on its log file, so it
 * outlives the rdd daemon (a SIGKILLed daemon must leave the engine running
 * for the next one to adopt).
 */
export function spawnDetached(binary: string, args: readonly string[], logFile: string): Promise<number> {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    writeSync(fd, `\n=== ${new Date().toISOString()} rdd starts: ${[binary, ...args].join(' ')}\n`);
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    return new Promise((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`cannot run ${binary}: ${err.message}`, { cause: err })));
      child.once('spawn', () => {
        const pid = child.pid as number;
        children.set(pid, child);
        child.once('exit', () => children.delete(pid));
        resolve(pid);
      });
    });
  } finally {
    closeSync(fd);
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Polls until pid no longer is this layout's engine; false on timeout. */
export async function waitForExit(layout: EngineLayout, pid: number, options: WaitOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (isEngineProcess(layout, pid)) {
    if (Date.now() >= deadline) return false;
    await delay(options.intervalMs ?? 100, undefined, { signal: options.signal });
  }
  return true;
}

export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The last lines of a log file, for error messages; '' when unreadable. */
export async function tailFile(file: string, lines = 15, maxBytes = 16 * 1024): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    return buf.toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

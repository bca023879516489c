import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { isProcessAlive } from '../service/process-info.js';

/** One process as /proc (or ps on macOS) shows it. environ is empty when unreadable. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
  environ: string[];
}

function readNulList(file: string): string[] {
  try {
    return readFileSync(file).toString('utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function parentPid(pid: number): number {
  try {
    // The comm field may contain spaces and parens: the ppid follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function listFromPs(): ProcessInfo[] {
  const out = execFileSync('ps', ['-axww', '-o', 'pid=,ppid=,command='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), argv: m[3].split(' '), environ: [] }));
}

/** Every process visible to us; processes that exit while we read are skipped. */
export function listProcesses(): ProcessInfo[] {
  if (process.platform !== 'linux') return listFromPs();
  const result: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const argv = readNulList(`/proc/${pid}/cmdline`);
    if (argv.length === 0) continue; // kernel thread or already gone
    result.push({ pid, ppid: parentPid(pid), argv, environ: readNulList(`/proc/${pid}/environ`) });
  }
  return result;
}

/**
 * True when a path-like string contains `marker` as a whole path component
 * sequence: `/.rdbats/` matches `/h/.rdbats/x` and `/h/.rdbats`, never `/h/.rdbats-app/x`.
 */
function hasPathMarker(value: string, marker: string): boolean {
  return value.includes(`${marker}/`) || value.endsWith(marker);
}

/**
 * The anchored markers of an instance (docs/design-rules.md#anchored-process-markers): the whole env entry
 * `RDD_INSTANCE=<i>`, or a path through `/.rd<i>` or `/rancher-desktop-<i>`.
 * A bare substring never matches: instance `bats` does not own `bats-app`'s processes.
 */
export function belongsToInstance(proc: ProcessInfo, instance: string): boolean {
  if (proc.environ.includes(`RDD_INSTANCE=${instance}`)) return true;
  const markers = [`/.rd${instance}`, `/rancher-desktop-${instance}`];
  return [...proc.argv, ...proc.environ].some((value) => markers.some((m) => hasPathMarker(value, m)));
}

/** Matching processes plus all their descendants (container processes under a shim, children of a daemon). */
export function withDescendants(all: readonly ProcessInfo[], roots: readonly ProcessInfo[]): ProcessInfo[] {
  const selected = new Map(roots.map((p) => [p.pid, p]));
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (!selected.has(p.pid) && selected.has(p.ppid)) {
        selected.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...selected.values()].sort((a, b) => a.pid - b.pid);
}

/** The processes of an instance, excluding this process and its ancestors (the caller's own shell). */
export function instanceProcesses(instance: string, all: readonly ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const spared = ancestors(all, process.pid);
  const roots = all.filter((p) => !spared.has(p.pid) && belongsToInstance(p, instance));
  return withDescendants(all, roots).filter((p) => !spared.has(p.pid));
}

/** Processes whose argv mentions dir as a path prefix (a test dockerd's containerd and shims). */
export function processesUnder(dir: string, all: readonly ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const spared = ancestors(all, process.pid);
  const roots = all.filter((p) => !spared.has(p.pid) && p.argv.some((a) => hasPathMarker(a, dir)));
  return withDescendants(all, roots).filter((p) => !spared.has(p.pid));
}

function ancestors(all: readonly ProcessInfo[], pid: number): Set<number> {
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const out = new Set<number>();
  for (let cur: number | undefined = pid; cur && !out.has(cur); cur = byPid.get(cur)?.ppid) out.add(cur);
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitGone(pids: readonly number[], deadline: number): Promise<number[]> {
  let alive = pids.filter(isProcessAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    alive = alive.filter(isProcessAlive);
  }
  return alive;
}

/** SIGTERM by PID, SIGKILL whatever is left after graceMs; returns the PIDs that needed SIGKILL. */
export async function terminate(pids: readonly number[], graceMs: number): Promise<number[]> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const stubborn = await waitGone(pids, Date.now() + graceMs);
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  await waitGone(stubborn, Date.now() + 5000);
  return stubborn;
}

/** True when the process installed a handler for sig (SigCgt in /proc/<pid>/status); false when unknown. */
export function catchesSignal(pid: number, sig: NodeJS.Signals): boolean {
  const signo = osConstants.signals[sig];
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    return mask !== undefined && ((BigInt(`0x${mask}`) >> BigInt(signo - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** Node processes that handle SIGUSR2, i.e. write a diagnostic report instead of dying from it. */
export function reportCapable(procs: readonly ProcessInfo[]): ProcessInfo[] {
  return procs.filter((p) => /(^|\/)node$/.test(p.argv[0] ?? '') && catchesSignal(p.pid, 'SIGUSR2'));
}

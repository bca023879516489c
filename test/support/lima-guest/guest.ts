import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { parse } from 'yaml';

/**
 * A real systemd guest for rdd's Lima template, without Lima: a Debian root
 * booted with systemd-nspawn, commands run in it with nsenter, and the
 * rendered template applied in Lima's boot order (docs/testing.md, "The
 * real-guest test").
 */

const here = path.dirname(fileURLToPath(import.meta.url));
/** The Lima user: uid 501 as on a Mac, home /home/lima (build-root.sh creates it). */
export const LIMA_USER = { name: 'lima', uid: 501, home: '/home/lima' };
/** Where a guest sees the local apt repository (build-root.sh points apt there). */
const GUEST_REPO = '/srv/rdd-repo';
/** Where a guest sees guest-tool (for its `lock` command). */
export const GUEST_TOOL = '/srv/rdd-tool/guest-tool';

export interface GuestImage {
  /** The cache entry: root/, repo/, guest-tool. */
  entry: string;
  root: string;
  repo: string;
  tool: string;
}

/**
 * Builds (or finds in the cache) the Debian root and the local repository
 * holding `packages`. Cold, this runs debootstrap: minutes.
 */
export async function guestImage(cacheDir: string, packages: readonly string[], timeoutMs: number): Promise<GuestImage> {
  const run = await execa('bash', [path.join(here, 'build-root.sh'), cacheDir, ...packages], { timeout: timeoutMs, reject: false, all: true });
  const entry = String(run.stdout).trim().split('\n').at(-1) ?? '';
  if (run.exitCode !== 0 || !entry.startsWith('/')) {
    throw new Error(`cannot build the guest root (build-root.sh exit ${run.exitCode ?? run.signal}${run.timedOut ? ', timed out' : ''}):\n${String(run.all).slice(-3000)}`);
  }
  return { entry, root: path.join(entry, 'root'), repo: path.join(entry, 'repo'), tool: path.join(entry, 'guest-tool') };
}

/** A scratch directory of the test's own, on the cache's file system so copies of the root are quick. */
export async function scratchDir(cacheDir: string): Promise<string> {
  return mkdtemp(path.join(cacheDir, 'run.'));
}

/** A fresh copy of the image's root: what a new VM's disk is. */
export async function freshRoot(image: GuestImage, dir: string, name: string): Promise<string> {
  const root = path.join(dir, name);
  // cp -a: owners, groups and modes as debootstrap made them (fs.cp keeps no owners).
  await execa('cp', ['-a', '--reflink=auto', image.root, root]);
  return root;
}

/** A host folder shared with the guest at the same path, as Lima mounts it. */
export interface GuestMount {
  location: string;
  writable: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The host PID of the guest's PID 1: the descendant of nspawn whose innermost PID is 1. */
function guestInit(nspawnPid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${entry}/status`, 'utf8');
    } catch {
      continue;
    }
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1].trim().split(/\s+/);
    const ppid = Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1]);
    if (nspid?.length === 2 && nspid[1] === '1' && ppid === nspawnPid) return Number(entry);
  }
  return undefined;
}

export class Guest {
  private constructor(
    private readonly nspawn: ChildProcess,
    /** Host PID of the guest's systemd. */
    readonly pid: number,
    readonly console: string,
  ) {}

  /**
   * Boots `root` with systemd as PID 1 and waits until systemd has finished
   * starting up. --private-network keeps the guest's dockerd off the host's
   * iptables; --register=no --keep-unit because the host's PID 1 need not be
   * systemd.
   */
  static async boot(root: string, repo: string, tool: string, consoleLog: string, mounts: readonly GuestMount[] = [], timeoutMs = 60_000): Promise<Guest> {
    const binds = mounts.map((m) => `--bind${m.writable ? '' : '-ro'}=${m.location}:${m.location}`);
    const out = openSync(consoleLog, 'a');
    const nspawn = spawn(
      'systemd-nspawn',
      ['--boot', '--private-network', '--register=no', '--keep-unit', '--console=read-only', `--bind-ro=${repo}:${GUEST_REPO}`, `--bind-ro=${tool}:${GUEST_TOOL}`, ...binds, '-D', root],
      { stdio: ['ignore', out, out] },
    );
    closeSync(out);
    const exited = new Promise<never>((_, reject) => {
      nspawn.once('exit', (code, signal) => reject(new Error(`systemd-nspawn exited (${code ?? signal}) while booting; see ${consoleLog}`)));
      nspawn.once('error', reject);
    });
    exited.catch(() => undefined);
    const deadline = Date.now() + timeoutMs;
    let guest: Guest | undefined;
    try {
      let pid: number | undefined;
      while ((pid = guestInit(nspawn.pid ?? -1)) === undefined) {
        if (Date.now() > deadline) throw new Error(`the guest's init did not appear within ${timeoutMs / 1000}s; see ${consoleLog}`);
        await Promise.race([delay(100), exited]);
      }
      guest = new Guest(nspawn, pid, consoleLog);
      // "offline" until systemd listens on its bus, "starting" until its first transaction is done.
      let state = '';
      while (state !== 'running' && state !== 'degraded') {
        if (Date.now() > deadline) throw new Error(`the guest's systemd is still "${state}" after ${timeoutMs / 1000}s; see ${consoleLog}`);
        await Promise.race([delay(200), exited]);
        state = (await guest.root(['systemctl', 'is-system-running'], { timeoutMs: 10_000 })).stdout.trim();
      }
      return guest;
    } catch (err) {
      await (guest ?? new Guest(nspawn, guestInit(nspawn.pid ?? -1) ?? -1, consoleLog)).shutdown(10_000);
      throw err;
    }
  }

  /** Runs argv in the guest as root (all of its namespaces), with a clean environment. */
  root(argv: readonly string[], options: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ExecResult> {
    const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', ...options.env };
    return this.run(['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv], options);
  }

  /**
   * Runs argv as the Lima user with no supplementary groups: a session opened
   * before provisioning (as the SSH connection behind Lima's socket forward
   * is), which never gains the groups provisioning adds.
   */
  user(argv: readonly string[], options: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ExecResult> {
    const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: LIMA_USER.home, USER: LIMA_USER.name, ...options.env };
    const setpriv = ['setpriv', `--reuid=${LIMA_USER.uid}`, `--regid=${LIMA_USER.uid}`, '--clear-groups'];
    return this.root([...setpriv, 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv], options);
  }

  /** Starts argv in the guest as root and leaves it running (its host process is returned). */
  spawnRoot(argv: readonly string[]) {
    return execa('nsenter', ['-t', String(this.pid), '-a', ...argv], { reject: false, stdin: 'ignore' });
  }

  private async run(argv: readonly string[], { input, timeoutMs = 120_000 }: { input?: string | Buffer; timeoutMs?: number }): Promise<ExecResult> {
    const started = Date.now();
    const result = await execa('nsenter', ['-t', String(this.pid), '-a', ...argv], { input, reject: false, timeout: timeoutMs, stdin: input === undefined ? 'ignore' : 'pipe' });
    if (result.timedOut) throw new Error(`${argv.join(' ')} did not finish within ${timeoutMs / 1000}s in the guest`);
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), ms: Date.now() - started };
  }

  /** Shuts the guest down as systemd does on SIGTERM (nspawn forwards it); kills it if that takes over `timeoutMs`. */
  async shutdown(timeoutMs = 60_000): Promise<void> {
    const nspawn = this.nspawn;
    if (nspawn.exitCode !== null || nspawn.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => nspawn.once('exit', () => resolve()));
    nspawn.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), delay(timeoutMs).then(() => false)])) return;
    // The guest's PID 1 first: nspawn waits for it.
    if (this.pid > 0) process.kill(this.pid, 'SIGKILL');
    nspawn.kill('SIGKILL');
    await exited;
  }
}

/** What Lima's executeGuestTemplate gets for a guest template. */
function templateData(param: Record<string, string>) {
  return { Name: 'rd', Hostname: 'lima-rd', UID: LIMA_USER.uid, User: LIMA_USER.name, Home: LIMA_USER.home, Param: param };
}

interface LimaProvision {
  mode?: string;
  path?: string;
  content?: string;
  owner?: string;
  permissions?: string;
  script?: string;
}

export interface ScriptRun extends ExecResult {
  what: string;
}

/**
 * Applies a rendered Lima template to a booted guest the way Lima 2's boot
 * script does on every boot: every `mode: data` file first (written, owned,
 * permissions set), then the `mode: system` scripts as root, then the
 * `mode: user` scripts as the Lima user, each with PARAM_* exported; each
 * text expanded with Go's text/template (the image's guest-tool).
 */
export class LimaTemplate {
  private readonly doc: {
    provision?: LimaProvision[];
    probes?: { script: string }[];
    param?: Record<string, string>;
    mounts?: { location: string; writable?: boolean }[];
  };

  constructor(
    rendered: string,
    private readonly tool: string,
    private readonly scratch: string,
  ) {
    this.doc = parse(rendered);
  }

  private get param(): Record<string, string> {
    return this.doc.param ?? {};
  }

  private get paramEnv(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.param).map(([k, v]) => [`PARAM_${k}`, v]));
  }

  /**
   * The template's mounts with `~` as `home`: what Lima shares (by virtiofs or
   * 9p), here bind mounts at the same path for Guest.boot.
   */
  mounts(home: string): GuestMount[] {
    return (this.doc.mounts ?? []).map((m) => ({ location: m.location.replace(/^~(?=\/|$)/, home), writable: m.writable === true }));
  }

  async expand(text: string): Promise<string> {
    const data = path.join(this.scratch, 'template-data.json');
    await writeFile(data, JSON.stringify(templateData(this.param)));
    const run = await execa(this.tool, ['expand', data], { input: text, reject: false });
    if (run.exitCode !== 0) throw new Error(`Go's text/template refused the template: ${String(run.stderr)}`);
    return String(run.stdout);
  }

  /** One boot's provisioning; returns every script's run (it stops at none: Lima runs them all). */
  async provision(guest: Guest): Promise<ScriptRun[]> {
    const entries = this.doc.provision ?? [];
    for (const data of entries.filter((p) => p.mode === 'data')) {
      const file = await this.expand(data.path ?? '');
      const write = await guest.root(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat >"$1" && chown "$2" "$1" && chmod "$3" "$1"', 'sh', file, data.owner ?? 'root:root', String(data.permissions ?? '644')], {
        input: await this.expand(data.content ?? ''),
      });
      if (write.exitCode !== 0) throw new Error(`cannot write the data file ${file}: ${write.stderr}`);
    }
    const runs: ScriptRun[] = [];
    for (const [mode, asUser] of [['system', false], ['user', true]] as const) {
      for (const [i, entry] of entries.filter((p) => (p.mode ?? 'system') === mode).entries()) {
        const file = `/var/lib/rdd-test/provision.${mode}.${i}`;
        await this.install(guest, file, await this.expand(entry.script ?? ''), asUser);
        const run = asUser ? await guest.user([file], { env: this.paramEnv, timeoutMs: 600_000 }) : await guest.root([file], { env: this.paramEnv, timeoutMs: 600_000 });
        runs.push({ ...run, what: `provision ${mode} #${i}` });
      }
    }
    return runs;
  }

  /** Runs the readiness probes once each, over "SSH" as Lima does: as the Lima user with PARAM_* exported. */
  async probe(guest: Guest): Promise<ScriptRun[]> {
    const runs: ScriptRun[] = [];
    for (const [i, probe] of (this.doc.probes ?? []).entries()) {
      const file = `/var/lib/rdd-test/probe.${i}`;
      await this.install(guest, file, await this.expand(probe.script), true);
      runs.push({ ...(await guest.user([file], { env: this.paramEnv, timeoutMs: 120_000 })), what: `probe #${i}` });
    }
    return runs;
  }

  private async install(guest: Guest, file: string, script: string, forUser: boolean): Promise<void> {
    const run = await guest.root(['sh', '-c', 'mkdir -p "$(dirname "$1")" && chmod 755 "$(dirname "$1")" && cat >"$1" && chmod 755 "$1"', 'sh', file], { input: script });
    if (run.exitCode !== 0) throw new Error(`cannot install ${file} (for ${forUser ? 'the Lima user' : 'root'}): ${run.stderr}`);
  }
}

/** Removes a scratch directory this test made (never a path it did not create). */
export async function removeScratch(dir: string | undefined): Promise<void> {
  if (dir && path.basename(dir).startsWith('run.')) await rm(dir, { recursive: true, force: true });
}

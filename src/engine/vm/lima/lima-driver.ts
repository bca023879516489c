import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../base/log.js';
import type { InstancePaths } from '../../base/paths.js';
import {
  DriverConfigError,
  DriverError,
  type DriverContext,
  type DriverState,
  type EngineSettings,
  type StartProgress,
  type VmDriver,
} from '../driver.js';
import { containerdPaths } from '../engine-paths.js';
import { pingEngine } from '../engine-ping.js';
import { Limactl, parseLimaList, type LimaInstance } from './limactl.js';
import { GUEST_PROVISION_FAILED, LIMA_INSTANCE, limaEdits, limactlArgs, rosettaApplies } from './lima-settings.js';
import { assertLimaVersion, assertRosettaInstalled, assertSocketPathsFit } from './preflight.js';
import { minimumLimaVersion, renderLimaTemplate } from './template.js';
import { SerialLock } from '../../base/serial-lock.js';

/**
 * How long `limactl start` may wait for the guest on the first boot, which
 * downloads the image and installs the engine over the network: Lima's own
 * 10 minutes are not enough on a slow connection.
 */
const FIRST_START_TIMEOUT = '30m';

export interface LimaDriverOptions {
  /** The limactl executable (default: `limactl` from PATH); tests inject a fake. */
  limactl?: string;
  platform?: NodeJS.Platform;
  arch?: NodeJS.Architecture;
  /** How long to wait for the forwarded engine socket after `limactl start`. */
  readyTimeoutMs?: number;
  /** How often a running VM's status is polled to report changes on its own (VM crash, external stop). */
  monitorIntervalMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Whether the host has Rosetta 2 installed (default: look for its runtime); tests inject the answer. */
  rosettaInstalled?: () => boolean;
  /** How often a starting VM is asked whether its provisioning failed (default 10 s). */
  provisionPollMs?: number;
}

/**
 * Runs the instance's engine in a Lima VM named "rd" under
 * LIMA_HOME=<short dir>/lima; the guest engine socket is forwarded to the
 * instance's docker.sock. limactl does the work; this maps its results and
 * failures to the VmDriver contract.
 */
export class LimaDriver implements VmDriver {
  readonly name = 'lima' as const;
  private readonly paths: InstancePaths;
  private readonly log: Logger;
  private readonly limactl: Limactl;
  private readonly platform: NodeJS.Platform;
  private readonly arch: NodeJS.Architecture;
  private readonly readyTimeoutMs: number;
  private readonly monitorIntervalMs: number;
  private readonly rosettaInstalled?: () => boolean;
  private readonly provisionPollMs: number;
  private readonly listeners = new Set<(state: DriverState) => void>();
  private monitorTimer?: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();
  private lastState?: string;
  private engine?: EngineSettings['engine'];
  private readonly lock = new SerialLock();

  constructor(ctx: DriverContext, options: LimaDriverOptions = {}) {
    this.paths = ctx.paths;
    this.log = ctx.log.child('lima-driver');
    this.platform = options.platform ?? process.platform;
    this.arch = options.arch ?? process.arch;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
    this.monitorIntervalMs = options.monitorIntervalMs ?? 10_000;
    this.rosettaInstalled = options.rosettaInstalled;
    this.provisionPollMs = options.provisionPollMs ?? 10_000;
    this.limactl = new Limactl({
      binary: options.limactl ?? 'limactl',
      limaHome: ctx.paths.limaHome,
      logFile: path.join(ctx.paths.logDir, 'limactl.log'),
      env: options.env,
    });
  }

  /** Where the rendered template is written before `limactl create`. */
  get templateFile(): string {
    return path.join(this.paths.shortDir, 'lima.yaml');
  }

  /**
   * Exists once the VM's engine has answered for the first time. Until then a
   * start is still the long first one (image download, engine install), even
   * when a daemon restart cut the first one short after `limactl create`.
   */
  private get provisionedMarker(): string {
    return path.join(this.paths.shortDir, 'lima-provisioned');
  }

  start(settings: EngineSettings, signal?: AbortSignal, onProgress?: (progress: StartProgress) => void): Promise<void> {
    return this.lock.run(async () => {
      let instance = await this.find(signal);
      const daemonJson = existsSync(this.paths.daemonJson) ? await readFile(this.paths.daemonJson, 'utf8') : undefined;
      const firstCreate = !instance || !existsSync(this.provisionedMarker);
      const report = (message: string) => onProgress?.({ message, firstCreate });
      if (rosettaApplies(settings, this.platform, this.arch)) assertRosettaInstalled(this.rosettaInstalled);
      if (!instance) {
        assertSocketPathsFit(this.paths, this.platform);
        assertLimaVersion(await this.limactl.run(limactlArgs.version(), { signal, quiet: true }), minimumLimaVersion());
        await this.writeTemplate(settings, daemonJson);
        this.log.info('creating the Lima VM', { template: this.templateFile });
        report('creating the Lima VM (the first start downloads a Linux image and installs the engine: ten minutes or more)');
        await this.limactl.run(limactlArgs.create(this.templateFile), { signal, onMessage: (m) => report(`creating the Lima VM: ${m}`) });
      } else {
        const edits = limaEdits(instance, settings, this.paths, this.platform, this.arch, daemonJson);
        if (edits.length > 0) {
          this.log.info('changing the Lima VM settings', { edits });
          report('changing the Lima VM settings');
          if (instance.status === 'Running') await this.limactl.run(limactlArgs.stop(), { signal });
          await this.limactl.run(limactlArgs.edit(edits), { signal });
          instance = { ...instance, status: 'Stopped' };
        }
      }
      if (instance?.status !== 'Running') {
        report('starting the Lima VM');
        await this.startVm(firstCreate ? FIRST_START_TIMEOUT : undefined, signal, report);
      }
      this.engine = settings.engine;
      await this.waitForSocket(settings.engine, signal);
      if (firstCreate) await writeFile(this.provisionedMarker, '');
      this.startMonitor();
    });
  }

  stop(signal?: AbortSignal): Promise<void> {
    return this.lock.run(async () => {
      this.stopMonitor();
      const instance = await this.find(signal);
      if (instance?.status === 'Running') await this.limactl.run(limactlArgs.stop(), { signal });
    });
  }

  remove(signal?: AbortSignal): Promise<void> {
    return this.lock.run(async () => {
      this.stopMonitor();
      // delete --force stops a running VM first.
      if (await this.find(signal)) await this.limactl.run(limactlArgs.delete(), { signal });
      await rm(this.provisionedMarker, { force: true });
    });
  }

  async state(): Promise<DriverState> {
    return toDriverState(await this.find(), this.engine);
  }

  onStateChange(listener: (state: DriverState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async dispose(): Promise<void> {
    this.stopMonitor();
    await Promise.all([this.lock.idle(), this.polling]);
  }


  /**
   * `limactl start`, which waits until the guest's readiness probe passes. A
   * provisioning script that failed would keep the probe failing until
   * limactl's timeout (30 minutes on a first start), so meanwhile the guest is
   * asked for the failure the script leaves; when there is one, the start ends
   * with its last lines and the VM is stopped, so that the next start
   * provisions it again.
   */
  private async startVm(timeout: string | undefined, signal: AbortSignal | undefined, report: (message: string) => void): Promise<void> {
    const failed = new AbortController();
    const done = new AbortController();
    const watching = this.watchProvisioning(done.signal, failed);
    try {
      const startSignal = signal ? AbortSignal.any([signal, failed.signal]) : failed.signal;
      await this.limactl.run(limactlArgs.start(timeout), { signal: startSignal, onMessage: (m) => report(`starting the Lima VM: ${m}`) });
    } catch (err) {
      if (!failed.signal.aborted) throw err;
      report('stopping the Lima VM: its provisioning failed');
      await this.limactl.run(limactlArgs.stop(), { signal }).catch((stopErr: unknown) => this.log.warn('cannot stop the Lima VM', { error: stopErr }));
      throw failed.signal.reason;
    } finally {
      done.abort();
      await watching;
    }
  }

  private async watchProvisioning(done: AbortSignal, failed: AbortController): Promise<void> {
    while (!done.aborted) {
      try {
        await delay(this.provisionPollMs, undefined, { signal: done });
      } catch {
        return;
      }
      // Fails until the guest's SSH is up, and while the script has not failed: both mean "nothing to report yet".
      const lines = await this.limactl.run(limactlArgs.shell('cat', GUEST_PROVISION_FAILED), { signal: done, silent: true }).catch(() => '');
      if (lines.trim() !== '' && !done.aborted) {
        failed.abort(new DriverConfigError(`provisioning the Lima VM failed; the VM was stopped, and the next start provisions it again. ${lines.trim()}`, this.name));
        return;
      }
    }
  }

  private async find(signal?: AbortSignal): Promise<LimaInstance | undefined> {
    const list = parseLimaList(await this.limactl.run(limactlArgs.list(), { signal, quiet: true }));
    return list.find((i) => i.name === LIMA_INSTANCE);
  }

  private async writeTemplate(settings: EngineSettings, daemonJson: string | undefined): Promise<void> {
    const yaml = renderLimaTemplate(settings, this.paths, this.platform, this.arch, daemonJson);
    await mkdir(this.paths.shortDir, { recursive: true });
    await writeFile(this.templateFile, yaml);
  }

  /** `limactl start` returns once the guest probes pass; the host-side forward may lag a moment behind. */
  private async waitForSocket(engine: EngineSettings['engine'], signal?: AbortSignal): Promise<void> {
    const socket = engine === 'moby' ? this.paths.dockerSocket : containerdPaths(this.paths).socket;
    const deadline = Date.now() + this.readyTimeoutMs;
    while (!(await pingEngine(engine, socket))) {
      if (Date.now() >= deadline) {
        const haLog = path.join(this.paths.limaHome, LIMA_INSTANCE, 'ha.stderr.log');
        throw new DriverError(
          `the Lima VM is running but ${socket} did not answer within ${this.readyTimeoutMs / 1000}s (port forwarding log: ${haLog})`,
          this.name,
        );
      }
      await delay(250, undefined, { signal });
    }
  }

  private startMonitor(): void {
    this.stopMonitor();
    this.lastState = JSON.stringify({ phase: 'running', engine: this.engine });
    this.monitorTimer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll());
    }, this.monitorIntervalMs);
    this.monitorTimer.unref();
  }

  private stopMonitor(): void {
    clearInterval(this.monitorTimer);
    this.monitorTimer = undefined;
  }

  private async poll(): Promise<void> {
    try {
      const state = await this.state();
      const key = JSON.stringify(state);
      if (key === this.lastState || this.monitorTimer === undefined) return;
      this.lastState = key;
      this.log.warn('Lima VM changed state on its own', { state });
      for (const listener of this.listeners) listener(state);
    } catch (err) {
      this.log.debug('polling the Lima VM failed', { error: err });
    }
  }
}

export function toDriverState(instance: LimaInstance | undefined, engine?: EngineSettings['engine']): DriverState {
  if (!instance) return { phase: 'absent' };
  switch (instance.status) {
    case 'Running': {
      const param = instance.config?.param?.ENGINE;
      return { phase: 'running', engine: param === 'moby' || param === 'containerd' ? param : (engine ?? 'moby') };
    }
    case 'Broken':
      return { phase: 'crashed', message: `Lima VM "${instance.name}" is broken: ${instance.errors?.join('; ') || 'no reason given'}` };
    default:
      return { phase: 'stopped' };
  }
}

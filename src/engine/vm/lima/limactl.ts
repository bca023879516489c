import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { DriverError } from '../driver.js';

/** One entry of `limactl list --json`: the fields rdd reads (Lima prints many more). */
export interface LimaInstance {
  name: string;
  /** "Running", "Stopped", "Broken", … */
  status: string;
  dir?: string;
  vmType?: string;
  arch?: string;
  cpus?: number;
  /** Bytes. */
  memory?: number;
  /** Why Lima considers the instance broken. */
  errors?: string[];
  /** The instance's Lima YAML, when this Lima version reports it. */
  config?: {
    param?: Record<string, string>;
    vmOpts?: { vz?: { rosetta?: { enabled?: boolean } } };
    provision?: { mode?: string; path?: string; content?: string }[];
    vmType?: string;
    mounts?: { location?: string; writable?: boolean }[];
    mountType?: string;
  };
}

/**
 * `limactl list --json` prints one JSON object per line (newer versions may
 * print an array); an empty output means no instances.
 */
export function parseLimaList(stdout: string): LimaInstance[] {
  const text = stdout.trim();
  if (text === '') return [];
  const parse = (json: string, where: string): unknown => {
    try {
      return JSON.parse(json);
    } catch (err) {
      throw new DriverError(`cannot parse \`limactl list --json\` output (${where}): ${(err as Error).message}`, 'lima', { cause: err });
    }
  };
  const entries = text.startsWith('[')
    ? (parse(text, 'array') as unknown[])
    : text.split('\n').filter((l) => l.trim() !== '').map((line, i) => parse(line, `line ${i + 1}`));
  return entries.map((entry, i) => {
    const e = entry as Partial<LimaInstance> | null;
    if (typeof e?.name !== 'string' || typeof e.status !== 'string') {
      throw new DriverError(`\`limactl list --json\` entry ${i + 1} has no name or status: ${JSON.stringify(entry).slice(0, 200)}`, 'lima');
    }
    return e as LimaInstance;
  });
}

const LOGFMT_MSG = /\blevel=(\w+)\b.*?\bmsg=("(?:[^"\\]|\\.)*"|\S+)/;
const TTY_FATAL = /^(?:FATA|ERRO)\[\d+\]\s*(.+)$/;

/**
 * limactl's own reason from its stderr: the last `level=fatal msg=…` (or
 * error), as logrus prints it without a TTY, else the last non-empty line.
 */
export function limactlMessage(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const level of ['fatal', 'error']) {
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = LOGFMT_MSG.exec(lines[i]);
      if (m && m[1] === level) return unquote(m[2]);
      const tty = TTY_FATAL.exec(lines[i]);
      if (tty && lines[i].startsWith(level === 'fatal' ? 'FATA' : 'ERRO')) return tty[1];
    }
  }
  return lines.at(-1);
}

/** The message of one logrus line limactl printed without a TTY (`level=info msg="..."`), any level. */
export function limactlLineMessage(line: string): string | undefined {
  const m = LOGFMT_MSG.exec(line);
  return m ? unquote(m[2]) : undefined;
}

/** logrus quotes with Go's %q, which is JSON-compatible except for rare escapes like \x00. */
function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value.slice(1, -1).replace(/\\"/g, '"');
  }
}

export interface LimactlOptions {
  /** The limactl executable; tests point it at a fake script. */
  binary: string;
  limaHome: string;
  /** Every invocation and its output is appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

export interface LimactlRunOptions {
  signal?: AbortSignal;
  /** Keeps a successful run out of the log (status polls would flood it). */
  quiet?: boolean;
  /** Keeps every run out of the log: a check that is expected to fail while the VM boots. */
  silent?: boolean;
  /** Called with each message limactl logs while it runs (download progress, hostagent steps). */
  onMessage?: (message: string) => void;
}

/** Runs limactl with argument arrays (never a shell string) and LIMA_HOME of the instance. */
export class Limactl {
  constructor(private readonly options: LimactlOptions) {}

  async run(args: readonly string[], { signal, quiet = false, silent = false, onMessage }: LimactlRunOptions = {}): Promise<string> {
    const { binary, limaHome, logFile } = this.options;
    await mkdir(limaHome, { recursive: true });
    await mkdir(path.dirname(logFile), { recursive: true });
    const subprocess = execa(binary, args, {
      env: { ...(this.options.env ?? process.env), LIMA_HOME: limaHome },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      cancelSignal: signal,
    });
    if (onMessage && subprocess.stderr) {
      createInterface({ input: subprocess.stderr }).on('line', (line) => {
        const message = limactlLineMessage(line);
        if (message) onMessage(message);
      });
    }
    const result = await subprocess;
    const output = [result.stdout, result.stderr].filter(Boolean).join('\n');
    if (!silent && (!quiet || result.failed)) await appendFile(
      logFile,
      `=== ${new Date().toISOString()} limactl ${args.join(' ')} (exit ${result.exitCode ?? result.signal})\n${output}${output ? '\n' : ''}`,
    );
    if (result.isCanceled) throw signal?.reason ?? new Error(`limactl ${args.join(' ')} was cancelled`);
    if (result.failed) {
      const reason = limactlMessage(String(result.stderr)) ?? result.shortMessage;
      throw new DriverError(`limactl ${args[0]} failed: ${reason} (full output in ${logFile})`, 'lima', { cause: result });
    }
    return String(result.stdout);
  }
}

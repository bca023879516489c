import type { Ora } from 'ora';
import type { Progress } from '../../engine/base/progress.js';

export interface ProgressOptions {
  /** Force spinner (true) or plain lines (false); by default decided from the stream and environment. */
  interactive?: boolean;
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

type Outcome = 'succeed' | 'fail' | 'info';
const SYMBOL: Record<Outcome, string> = { succeed: '✔', fail: '✖', info: 'ℹ' };

/**
 * Spinners and colour only on a terminal, and never when NO_COLOR or CI is set.
 * A pseudo-terminal that reports 0 columns (`script` without a terminal, `docker
 * run -t` before a resize) gets plain lines too: ora divides by the width to
 * know how many lines to clear, and loops writing cursor-up codes forever.
 */
export function isInteractive(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return Boolean(stream.isTTY) && stream.columns !== 0 && !env.NO_COLOR && !ci && env.TERM !== 'dumb';
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const interactive = options.interactive ?? isInteractive(stream, options.env);
  return interactive ? spinnerProgress(stream) : plainProgress(stream, options.now ?? (() => new Date()));
}

/**
 * Progress that stays silent unless there is something to wait for: the first
 * step is held back and shown only when a second one follows, so `rdd run
 * docker ps` on a settled App prints nothing but docker's own output.
 */
export function quietUnlessWaiting(progress: Progress): Progress {
  let held: string | undefined;
  let shown = false;
  return {
    update(text) {
      if (!shown && held === undefined) {
        held = text;
        return;
      }
      if (!shown && held !== undefined) progress.update(held);
      shown = true;
      progress.update(text);
    },
    succeed: (text) => (shown ? progress.succeed(text) : progress.stop()),
    fail: (text) => progress.fail(text),
    info: (text) => progress.info(text),
    stop: () => progress.stop(),
  };
}

function plainProgress(stream: NodeJS.WriteStream, now: () => Date): Progress {
  let last: string | undefined;
  let done = false;
  const line = (text: string) => stream.write(`${now().toISOString()} ${text}\n`);
  const finish = (text: string) => {
    if (done) return;
    done = true;
    line(text);
  };
  return {
    update(text) {
      if (done || text === last) return;
      last = text;
      line(text);
    },
    succeed: finish,
    fail: finish,
    info: (text) => {
      if (!done) line(text);
    },
    stop() {
      done = true;
    },
  };
}

/**
 * ora costs ~100 ms to import, more than a whole `rdd version` may take, so it
 * loads in the background; until it arrives the spinner is simply not drawn yet.
 */
function spinnerProgress(stream: NodeJS.WriteStream): Progress {
  let text = '';
  let spinner: Ora | undefined;
  let done = false;
  import('ora')
    .then(({ default: ora }) => {
      if (!done) spinner = ora({ text, stream, discardStdin: false }).start();
    })
    .catch(() => undefined);

  const end = (outcome: Outcome, final: string) => {
    if (done && !spinner) return;
    done = true;
    if (spinner) spinner[outcome](final);
    else stream.write(`${SYMBOL[outcome]} ${final}\n`);
    spinner = undefined;
  };
  return {
    update(next) {
      text = next;
      if (spinner) spinner.text = next;
    },
    succeed: (t) => end('succeed', t),
    fail: (t) => end('fail', t),
    info(t) {
      if (spinner) spinner.info(t).start(text);
      else stream.write(`${SYMBOL.info} ${t}\n`);
    },
    stop() {
      done = true;
      spinner?.stop();
      spinner = undefined;
    },
  };
}

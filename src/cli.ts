import { runCtl } from './commands/ctl.js';
import { reportError } from './engine/report-error.js';

// `rdd ctl` must add little to kubectl's own start-up (SPEC §12: ≤150 ms), so
// it is dispatched before commander and the other commands are even loaded.
const argv = process.argv.slice(2);
try {
  const kubectlExit = await runCtl(argv);
  if (kubectlExit === undefined) await (await import('./program.js')).runProgram(process.argv);
  else process.exitCode = kubectlExit;
} catch (err) {
  process.exitCode = reportError(err, argv);
}

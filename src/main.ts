import type { RunDaemon } from './commands/svc.js';

// The composition root: the only module that knows both the CLI and the daemon.
const runDaemon: RunDaemon = async (paths, options) => (await import('./engine/daemon/run-daemon.js')).runDaemon(paths, options);

// Each path imports only what it uses (docs/performance.md, "CLI"): `rdd ctl`
// (when bin/rdd left it to Node) runs kubectl before commander and the other
// commands are even loaded.
const argv = process.argv.slice(2);
try {
  const kubectlExit = await (await import('./commands/ctl.js')).runCtl(argv);
  if (kubectlExit === undefined) await (await import('./commands/program/program.js')).runProgram(process.argv, runDaemon);
  else process.exitCode = kubectlExit;
} catch (err) {
  process.exitCode = await (await import('./commands/program/report-error.js')).reportError(err, argv);
}

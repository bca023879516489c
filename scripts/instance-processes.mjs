#!/usr/bin/env node
// The processes of one rdd instance, matched on anchored markers only
// (docs/design-rules.md#anchored-process-markers).
// Used by bats/helpers and scripts/bats-with-timeout.sh; needs `npm run build`.
//
//   instance-processes.mjs list INSTANCE       pid, ppid and command of each process
//   instance-processes.mjs kill INSTANCE       SIGTERM, then SIGKILL after RDD_KILL_GRACE_MS (15000); prints PIDs
//   instance-processes.mjs report INSTANCE     SIGUSR2 to its Node processes that handle it; prints PIDs
import { instanceProcesses, reportCapable, terminate } from '../dist/engine/support/processes.js';

const [command, arg] = process.argv.slice(2);
const print = (line) => process.stdout.write(`${line}\n`);

function usage() {
  process.stderr.write('usage: instance-processes.mjs list|kill|report INSTANCE\n');
  process.exit(2);
}

if (!arg) usage();
if (command === 'list') {
  for (const p of instanceProcesses(arg)) print(`${p.pid}\t${p.ppid}\t${p.argv.join(' ')}`);
} else if (command === 'kill') {
  const pids = instanceProcesses(arg).map((p) => p.pid);
  await terminate(pids, Number(process.env.RDD_KILL_GRACE_MS ?? 15000));
  for (const pid of pids) print(pid);
} else if (command === 'report') {
  for (const p of reportCapable(instanceProcesses(arg))) {
    process.kill(p.pid, 'SIGUSR2');
    print(p.pid);
  }
} else {
  usage();
}

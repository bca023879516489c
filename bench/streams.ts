/**
 * Stream benchmark (docs/performance.md). Run from the repository root, as root (it starts its own dockerd):
 *
 *   npx tsc -p tsconfig.json --outDir .tmp/bench && node .tmp/bench/bench/streams.js [--mb N] [--runs N] [--samples N]
 *
 * 1. Log throughput: a container writes N MB of log and exits; the best of
 *    `runs` reads of the whole log through `docker logs` (into `wc -c`) and
 *    through the passthrough's log WebSocket (text framing, and channel
 *    framing), interleaved, in bytes/s. Target: the passthrough's default
 *    (text) framing at ≥ 0.8× docker's; the channel framing is shown beside.
 * 2. Exec latency, `samples` times each: a whole `docker exec <c> true` against
 *    opening an exec stream and reading its exit status; and a line's round
 *    trip through `cat` in an open session: `docker exec -i` against the
 *    exec stream's stdin/stdout channels. p50 and p99 in ms.
 * Prints one JSON object, then a one-line summary.
 */
import { execa } from 'execa';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { collect, frame, openStream, startStreamStack, type StreamStack } from '../test/support/streams.js';

const V5 = 'v5.channel.k8s.io';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (n: number) => Math.round(n * 100) / 100;
const mbps = (bytes: number, ms: number) => round(bytes / 1e6 / (ms / 1000));

function latencies(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Reads a log stream to its end and prints how many bytes of log it carried (channel bytes not counted). */
const LOG_CLIENT = `
import WebSocket from 'ws';
const [url, protocol] = process.argv.slice(1);
const ws = new WebSocket(url, protocol ? [protocol] : [], { ca: process.env.BENCH_CA, headers: { Authorization: 'Bearer ' + process.env.BENCH_TOKEN } });
let bytes = 0;
ws.on('message', (data) => (bytes += data.length - (protocol ? 1 : 0)));
ws.on('close', () => console.log(bytes));
ws.on('error', (err) => { console.error(err.message); process.exit(1); });
`;

type Reader = () => Promise<number>;

/** Best (highest) bytes/s of each reader over several rounds, interleaved so that load changes hit all alike. */
async function bestThroughputs<K extends string>(runs: number, readers: Record<K, Reader>): Promise<Record<K, { bytes: number; mbPerS: number }>> {
  const best = Object.fromEntries(Object.keys(readers).map((k) => [k, { bytes: 0, mbPerS: 0 }])) as Record<K, { bytes: number; mbPerS: number }>;
  for (let i = 0; i < runs; i++) {
    for (const [name, read] of Object.entries(readers) as [K, Reader][]) {
      const { ms, value: bytes } = await timed(read);
      const rate = mbps(bytes, ms);
      if (rate > best[name].mbPerS) best[name] = { bytes, mbPerS: rate };
    }
  }
  return best;
}

async function logThroughput(stack: StreamStack, mb: number, runs: number) {
  // 100-byte lines, as an application logging steadily would write them.
  const line = `${'x'.repeat(99)}`;
  const id = await stack.docker('run', '-d', 'busybox', 'sh', '-c', `yes ${line} | head -c ${mb * 1_000_000}`);
  await stack.docker('wait', id);
  // The reading client is a process of its own, as the docker CLI is (and as a GUI would be).
  const through = (protocols: string[]) => async () => {
    const { stdout } = await execa('node', ['--input-type=module', '-e', LOG_CLIENT, `${stack.api.server.url.replace(/^https/, 'wss')}/passthrough/engine/logs/${id}?follow=false`, ...protocols], {
      env: { BENCH_CA: stack.api.tls.caCert, BENCH_TOKEN: stack.api.token },
    });
    return Number(stdout.trim());
  };
  const best = await bestThroughputs(runs, {
    docker: async () => Number((await execa('sh', ['-c', `docker -H unix://${stack.dockerd.socketPath} logs ${id} | wc -c`])).stdout.trim()),
    passthroughText: through([]),
    passthroughChannels: through([V5]),
  });
  await stack.docker('rm', id);
  return { ...best, ratio: round(best.passthroughText.mbPerS / best.docker.mbPerS), channelsRatio: round(best.passthroughChannels.mbPerS / best.docker.mbPerS) };
}

/** Resolves with the time until `expected` has arrived on the stream's stdout channel (or `read`). */
function roundTrip(send: () => void, read: (onData: (chunk: Buffer) => void) => () => void, expected: string): Promise<number> {
  return new Promise((resolve) => {
    let seen = '';
    const start = performance.now();
    const stop = read((chunk) => {
      seen += chunk.toString();
      if (!seen.includes(expected)) return;
      stop();
      resolve(performance.now() - start);
    });
    send();
  });
}

async function execLatency(stack: StreamStack, samples: number) {
  const id = await stack.docker('run', '-d', 'busybox', 'sleep', '3600');
  const dockerExec: number[] = [];
  const streamExec: number[] = [];
  for (let i = 0; i < samples; i++) {
    dockerExec.push((await timed(() => stack.docker('exec', id, 'true'))).ms);
    streamExec.push((await timed(async () => collect(await openStream(stack.api, `/passthrough/engine/exec/${id}?command=true`, { protocols: [V5] })))).ms);
  }

  const cli = execa('docker', ['-H', `unix://${stack.dockerd.socketPath}`, 'exec', '-i', id, 'cat'], { buffer: false });
  const ws: WebSocket = await openStream(stack.api, `/passthrough/engine/exec/${id}?command=cat&stdin=true`, { protocols: [V5] });
  const dockerEcho: number[] = [];
  const streamEcho: number[] = [];
  for (let i = 0; i < samples; i++) {
    const token = `ping-${i}\n`;
    dockerEcho.push(
      await roundTrip(
        () => cli.stdin!.write(token),
        (onData) => (cli.stdout!.on('data', onData), () => cli.stdout!.off('data', onData)),
        token,
      ),
    );
    streamEcho.push(
      await roundTrip(
        () => ws.send(frame(0, token)),
        (onData) => {
          const listener = (data: Buffer) => onData(data.subarray(1));
          ws.on('message', listener);
          return () => ws.off('message', listener);
        },
        token,
      ),
    );
  }
  cli.stdin!.end();
  ws.send(frame(255, Buffer.from([0])));
  await Promise.all([cli, collect(ws)]);
  await stack.docker('rm', '-f', id);
  return {
    wholeExec: { docker: latencies(dockerExec), passthrough: latencies(streamExec) },
    stdinEcho: { docker: latencies(dockerEcho), passthrough: latencies(streamEcho) },
  };
}

async function main(): Promise<void> {
  const opts = { mb: arg('mb', 100), runs: arg('runs', 3), samples: arg('samples', 100) };
  const stack = await startStreamStack({ hostBusybox: true, crdDir: path.resolve('templates/crds') });
  try {
    const logs = await logThroughput(stack, opts.mb, opts.runs);
    const exec = await execLatency(stack, opts.samples);
    const pass = logs.ratio >= 0.8;
    console.log(JSON.stringify({ ...opts, loadavg: loadavg().map(round), logs, exec }, null, 2));
    console.log(
      `${pass ? 'PASS' : 'FAIL'} logs ${opts.mb} MB: passthrough ${logs.passthroughText.mbPerS} MB/s vs docker logs ${logs.docker.mbPerS} MB/s = ${logs.ratio}× (target ≥ 0.8×; channel framing ${logs.channelsRatio}×); ` +
        `exec p50/p99 ms: passthrough ${exec.wholeExec.passthrough.p50}/${exec.wholeExec.passthrough.p99} vs docker exec ${exec.wholeExec.docker.p50}/${exec.wholeExec.docker.p99}; ` +
        `stdin echo passthrough ${exec.stdinEcho.passthrough.p50}/${exec.stdinEcho.passthrough.p99} vs docker ${exec.stdinEcho.docker.p50}/${exec.stdinEcho.docker.p99}`,
    );
  } finally {
    await stack.stop();
  }
}

await main();

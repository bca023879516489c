import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import type { WebSocket } from 'ws';
import { fromDocker } from './docker-errors.js';
import { boolParam } from './params.js';
import type { PreparedStream } from './stream.js';

/** One sample as the stream sends it: what `docker stats` shows, as numbers. */
export interface StatsSample {
  read: string;
  cpuPercent: number;
  memory: { usage: number; limit: number; percent: number };
  network: { rxBytes: number; txBytes: number };
  blockIO: { readBytes: number; writeBytes: number };
  pids: number;
}

/** The parts of the engine's stats JSON that the sample is made of. */
export interface EngineStats {
  read: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: { inactive_file?: number; cache?: number } };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  pids_stats?: { current?: number };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The docker CLI's arithmetic: CPU % from the deltas against the previous
 * sample times the online CPUs, memory without the page cache (cgroup v2
 * `inactive_file`, v1 `cache`).
 */
export function toSample(s: EngineStats): StatsSample {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus ?? 1;
  // The engine's first sample has no previous one (precpu all zero): no rate yet, rather than a nonsense one.
  const hasPrevious = Boolean(s.precpu_stats?.system_cpu_usage);
  const cpuPercent = hasPrevious && cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const cache = s.memory_stats?.stats?.inactive_file ?? s.memory_stats?.stats?.cache ?? 0;
  const usage = Math.max(0, (s.memory_stats?.usage ?? 0) - cache);
  const limit = s.memory_stats?.limit ?? 0;
  const nets = Object.values(s.networks ?? {});
  const blk = s.blkio_stats?.io_service_bytes_recursive ?? [];
  const sumOp = (op: string) => blk.filter((e) => e.op.toLowerCase() === op).reduce((n, e) => n + e.value, 0);
  return {
    read: s.read,
    cpuPercent: round2(cpuPercent),
    memory: { usage, limit, percent: limit > 0 ? round2((usage / limit) * 100) : 0 },
    network: { rxBytes: nets.reduce((n, x) => n + (x.rx_bytes ?? 0), 0), txBytes: nets.reduce((n, x) => n + (x.tx_bytes ?? 0), 0) },
    blockIO: { readBytes: sumOp('read'), writeBytes: sumOp('write') },
    pids: s.pids_stats?.current ?? 0,
  };
}

/**
 * Opens the engine's stats stream of a container (`docker stats`): one JSON
 * text message per sample, about one a second from the engine; `stream=false`
 * sends one sample and closes.
 */
export async function prepareStats(docker: Docker, id: string, query: URLSearchParams): Promise<PreparedStream> {
  const stream = boolParam(query, 'stream', true);
  let source: Readable;
  try {
    const container = docker.getContainer(id);
    await container.inspect();
    source = (await container.stats({ stream: true })) as unknown as Readable;
  } catch (err) {
    throw fromDocker(err, id);
  }
  return {
    run(ws: WebSocket) {
      const lines = createInterface({ input: source });
      lines.on('line', (line) => {
        if (!line.trim() || ws.readyState !== ws.OPEN) return;
        ws.send(JSON.stringify(toSample(JSON.parse(line) as EngineStats)));
        if (!stream) ws.close(1000);
      });
      source.on('end', () => ws.close(1000));
      source.on('error', () => ws.close(1011, 'the engine ended the stats stream with an error'));
      ws.on('close', () => source.destroy());
    },
    abort: () => source.destroy(),
  };
}

import { describe, expect, it } from 'vitest';
import { toSample } from '../../../../src/engine/passthrough/stats.js';

describe('stats sample (docker stats arithmetic)', () => {
  it('computes CPU % from the deltas times the online CPUs, and memory without the page cache', () => {
    const sample = toSample({
      read: '2026-11-30T04:00:01Z',
      cpu_stats: { cpu_usage: { total_usage: 3_000_000 }, system_cpu_usage: 20_000_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000 }, system_cpu_usage: 10_000_000 },
      memory_stats: { usage: 50 * 1024 * 1024, limit: 100 * 1024 * 1024, stats: { inactive_file: 10 * 1024 * 1024 } },
      networks: { eth0: { rx_bytes: 100, tx_bytes: 40 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
      blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 7 }, { op: 'write', value: 3 }, { op: 'read', value: 1 }] },
      pids_stats: { current: 4 },
    });
    expect(sample).toEqual({
      read: '2026-11-30T04:00:01Z',
      cpuPercent: 40,
      memory: { usage: 40 * 1024 * 1024, limit: 100 * 1024 * 1024, percent: 40 },
      network: { rxBytes: 101, txBytes: 42 },
      blockIO: { readBytes: 8, writeBytes: 3 },
      pids: 4,
    });
  });

  it('reads 0 % for the first sample (no previous one) and for a stopped container', () => {
    expect(toSample({ read: 'x', cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 9 }, blkio_stats: { io_service_bytes_recursive: null } })).toMatchObject({
      cpuPercent: 0,
      memory: { usage: 0, limit: 0, percent: 0 },
      blockIO: { readBytes: 0, writeBytes: 0 },
    });
  });
});

import { execa } from 'execa';
import { buildInfo } from '../../base/build-info.js';
import { json, type Collector } from '../collector.js';

const TOOLS: readonly [string, string[]][] = [
  ['kubectl', ['version', '--client', '--output=json']],
  ['docker', ['version', '--format', '{{json .}}']],
  ['limactl', ['--version']],
  ['dockerd', ['--version']],
];

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** rdd, node, and the external tools rdd drives, with "not installed" when missing. */
export const versionsCollector: Collector = {
  name: 'versions',
  async collect(ctx) {
    const versions: Record<string, unknown> = {
      // This CLI's build; the daemon's is in api/version.json when it runs.
      rdd: buildInfo(),
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
    };
    await Promise.all(
      TOOLS.map(async ([tool, args]) => {
        const res = await execa(tool, args, { reject: false, cancelSignal: ctx.signal, timeout: 5000 });
        if (res.failed && (res as { code?: string }).code === 'ENOENT') versions[tool] = 'not installed';
        else versions[tool] = parseMaybeJson((res.stdout || res.stderr).trim());
      }),
    );
    ctx.add('versions.json', json(versions));
  },
};

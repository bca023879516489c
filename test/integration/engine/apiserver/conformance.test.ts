import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS } from './fixtures.js';

/*
 * The Python half of the third-party-client conformance proof (kubectl and
 * client-node are driven by the other files here). Debian's
 * python3-kubernetes is installed by scripts/lib/deps.sh; it is the system
 * python's package, so /usr/bin/python3, not whichever python3 is on PATH.
 */

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../conformance/python_client.py', import.meta.url));
let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS, retainRevisions: 30 });
});
afterAll(async () => {
  await ts?.stop();
});

describe('python3-kubernetes against the API server', () => {
  it('passes every check: typed and dynamic clients, paging, watch resume and 410, reviews, events, core kinds', async () => {
    await access(PYTHON);
    const res = await execa(PYTHON, [SCRIPT, ts.kubeconfigPath], { reject: false, timeout: 120_000, env: { HOME: ts.dir } });
    const lines = res.stdout.split('\n').filter(Boolean);
    expect(res.stderr.includes('No module named'), `python3-kubernetes is not installed: ${res.stderr}`).toBe(false);
    expect(lines.filter((l) => !l.startsWith('ok ')), res.stdout + res.stderr).toEqual([]);
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(res.exitCode).toBe(0);
  });
});

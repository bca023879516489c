import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACE } from '../../../../src/engine/kube/resources.js';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';

let ts: TestApiServer;
beforeAll(async () => {
  ts = await startTestApiServer();
});
afterAll(async () => {
  await ts?.stop();
});

describe('KubeClient over HTTPS', () => {
  it('sends a request again when the kept-alive connection it took was closed by a server restart', async () => {
    // Several pooled connections, all closed by the restart before the client can notice.
    await Promise.all(Array.from({ length: 4 }, () => ts.client.list(NAMESPACE)));
    await ts.restart();
    const lists = await Promise.all(Array.from({ length: 4 }, () => ts.client.list(NAMESPACE)));
    for (const list of lists) expect(list.items.map((ns) => ns.metadata.name)).toContain('default');
  });
});

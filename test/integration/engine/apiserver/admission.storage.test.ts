import { rmSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Status } from '../../../../src/engine/kube/types.js';
import { rawRequest } from '../../../support/apiserver.js';
import { serverForFile, WIDGET, widget, WIDGETS } from './fixtures.js';

/*
 * A write the store itself refuses reaches the client as the store's error:
 * never reworded as the Conflict or AlreadyExists of a concurrent write,
 * which a client would retry.
 */

const server = serverForFile();
const json = { 'Content-Type': 'application/json' };

beforeAll(async () => {
  await server().client.create(WIDGET, widget('before'));
  // The database file removed under the running server: the store refuses writes from then on.
  rmSync(path.join(server().dir, 'rdd.db'));
});

describe('a write the store refuses', () => {
  it('is a 503 ServiceUnavailable for a create and for an update, not a 409', async () => {
    const created = await vi.waitFor(
      async () => {
        const res = await rawRequest(server(), 'POST', WIDGETS, { body: JSON.stringify(widget(`after-${Date.now()}`)), headers: json });
        expect(res.status).not.toBe(201);
        return res;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(created.status).toBe(503);
    expect((created.json as Status).reason).toBe('ServiceUnavailable');
    const updated = await rawRequest(server(), 'PATCH', `${WIDGETS}/before`, { body: '{"spec":{"size":4}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(updated.status).toBe(503);
    expect((updated.json as Status).reason).toBe('ServiceUnavailable');
  });
});

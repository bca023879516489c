import { describe, expect, it } from 'vitest';
import { newInput } from '../../../../src/engine/controllers/predicates.js';
import type { KubeObject } from '../../../../src/engine/kube/types.js';

const obj = (metadata: KubeObject['metadata'], running?: 'True' | 'False'): KubeObject & { status?: { conditions?: never[] } } => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: { name: 'x', generation: 1, ...metadata },
  ...(running ? { status: { conditions: [{ type: 'Running', status: running, reason: 'r', message: '', lastTransitionTime: '' }] as never[] } } : {}),
});

describe('newInput: the one rule of "is this new input?"', () => {
  const plain = newInput();
  const withRequests = newInput({ requestAnnotations: ['example.io/retry'] });
  const withRunning = newInput({ conditions: ['Running'] });
  const base = obj({});

  it('an object added, first seen, or deleted is new input', () => {
    expect(plain('ADDED', base)).toBe(true);
    expect(plain('MODIFIED', base)).toBe(true);
    expect(plain('DELETED', base, base)).toBe(true);
  });

  it('a new generation or a deletion begun is new input; a status or label write is not', () => {
    expect(plain('MODIFIED', obj({ generation: 2 }), base)).toBe(true);
    expect(plain('MODIFIED', obj({ deletionTimestamp: '2026-01-01T00:00:00Z' }), base)).toBe(true);
    expect(plain('MODIFIED', obj({ labels: { a: 'b' }, resourceVersion: '9' }), base)).toBe(false);
  });

  it('a request annotation counts only where the rule names it', () => {
    const asked = obj({ annotations: { 'example.io/retry': '1' } });
    expect(withRequests('MODIFIED', asked, base)).toBe(true);
    expect(withRequests('MODIFIED', base, asked)).toBe(true);
    expect(plain('MODIFIED', asked, base)).toBe(false);
  });

  it("another controller's condition counts when it changes status, not when only its message does", () => {
    expect(withRunning('MODIFIED', obj({}, 'True'), obj({}, 'False'))).toBe(true);
    expect(withRunning('MODIFIED', obj({}, 'True'), base)).toBe(true);
    expect(withRunning('MODIFIED', obj({}, 'True'), obj({}, 'True'))).toBe(false);
    expect(plain('MODIFIED', obj({}, 'True'), obj({}, 'False'))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../../../src/engine/apiserver/endpoints/errors.js';
import { boolParam, dryRunParam, intParam, parseBool, revisionParam } from '../../../../../src/engine/apiserver/endpoints/query.js';
import { rejectionOf } from '../../../../support/rejection.js';

const q = (s: string) => new URLSearchParams(s);
const thrown = (fn: () => unknown): Promise<StatusError> => rejectionOf(Promise.resolve().then(fn), StatusError);

describe('query parameters', () => {
  it('reads booleans as Go strconv.ParseBool does', () => {
    for (const v of ['1', 't', 'T', 'true', 'True', 'TRUE']) expect(parseBool('watch', v)).toBe(true);
    for (const v of ['0', 'f', 'F', 'false', 'False', 'FALSE']) expect(parseBool('watch', v)).toBe(false);
    expect(boolParam(q(''), 'watch')).toBe(false);
  });

  it('answers 400 to any other boolean spelling', async () => {
    for (const v of ['yes', 'tRUE', '', ' true']) {
      const err = await thrown(() => boolParam(q(`force=${encodeURIComponent(v)}`), 'force'));
      expect(err).toMatchObject({ code: 400, reason: 'BadRequest' });
      expect(err.message).toContain('force');
    }
  });

  it('answers 400 to a non-numeric integer or resourceVersion', async () => {
    expect(intParam(q('timeoutSeconds=5'), 'timeoutSeconds')).toBe(5);
    expect(revisionParam(q('resourceVersion='))).toBeUndefined();
    expect(revisionParam(q('resourceVersion=42'))).toBe(42);
    expect(await thrown(() => intParam(q('timeoutSeconds=abc'), 'timeoutSeconds'))).toMatchObject({ code: 400 });
    expect(await thrown(() => revisionParam(q('resourceVersion=abc')))).toMatchObject({ code: 400 });
  });

  it('accepts only the All dry-run directive', async () => {
    expect(dryRunParam([], 'CreateOptions')).toBe(false);
    expect(dryRunParam(['All'], 'CreateOptions')).toBe(true);
    const err = await thrown(() => dryRunParam(['Bogus'], 'PatchOptions'));
    expect(err).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(err.message).toBe('PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: "Bogus": supported values: "All"');
  });
});

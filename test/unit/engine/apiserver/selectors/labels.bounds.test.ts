import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from '../../../../../src/engine/apiserver/selectors/labels.js';

// Gt and Lt are strict, as in kube: the bound itself matches neither.
describe('Gt and Lt bounds', () => {
  it.each([
    ['replicas<3', '3', false],
    ['replicas<3', '2', true],
    ['replicas>3', '3', false],
    ['replicas>3', '4', true],
    // Compared as integers, not as strings.
    ['replicas<10', '9', true],
    ['replicas>9', '10', true],
  ])('%j on replicas=%s → %s', (selector, replicas, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), { replicas })).toBe(expected);
  });
});

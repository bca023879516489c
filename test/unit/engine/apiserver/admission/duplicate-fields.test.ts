import { describe, expect, it } from 'vitest';
import { duplicateFields } from '../../../../../src/engine/apiserver/admission/duplicate-fields.js';

// JSON.parse keeps the last of two equal keys without a word; kube's strict decoder names each.
describe('duplicateFields', () => {
  it.each<[string, string, string[]]>([
    ['no duplicates', '{"a":1,"b":{"c":2}}', []],
    ['a top-level key', '{"a":1,"a":2}', ['a']],
    ['a nested key, by its path', '{"spec":{"color":"red","size":1,"color":"blue"}}', ['spec.color']],
    ['a key three times', '{"a":1,"a":2,"a":3}', ['a', 'a']],
    ['inside a list item, with its index', '{"spec":{"ports":[{"port":80},{"port":81,"port":82}]}}', ['spec.ports[1].port']],
    ['in a list of lists', '{"m":[[{"x":1,"x":2}]]}', ['m[0][0].x']],
    ['in a YAML body', 'metadata:\n  name: a\n  name: b\n', ['metadata.name']],
    ['an empty body', '', []],
  ])('%s', (_what, body, paths) => {
    expect(duplicateFields(body)).toEqual(paths);
  });
});

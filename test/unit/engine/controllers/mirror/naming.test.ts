import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { imageMirrorName, sanitize, volumeMirrorName } from '../../../../../src/engine/controllers/mirror/naming.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ID = 'sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741';

describe('mirror naming', () => {
  it.each([
    ['sha256:abc', 'sha256.abc'],
    ['registry/ns/img:1', 'registry-ns-img.1'],
    ['plain', 'plain'],
  ])('sanitize(%s) = %s', (input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it('names a tagged image sanitize(id)-hex(sha256(tag))', () => {
    expect(imageMirrorName(ID, 'busybox:latest')).toBe(`sha256.${ID.slice(7)}-${sha('busybox:latest')}`);
  });

  it('names a dangling image sanitize(id)', () => {
    expect(imageMirrorName(ID)).toBe(`sha256.${ID.slice(7)}`);
  });

  it('gives each tag of one image its own name', () => {
    expect(imageMirrorName(ID, 'a:1')).not.toBe(imageMirrorName(ID, 'a:2'));
  });

  it.each(['My_Vol_Ume', 'data', 'a'.repeat(255)])('names volume %s vol-hex(sha256(name)), a valid DNS-subdomain object name', (name) => {
    const mirror = volumeMirrorName(name);
    expect(mirror).toBe(`vol-${sha(name)}`);
    expect(mirror).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(mirror.length).toBeLessThanOrEqual(253);
  });
});

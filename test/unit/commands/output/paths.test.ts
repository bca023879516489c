import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderPaths, shellQuote } from '../../../../src/commands/output/paths.js';
import { instancePaths, PATH_KEYS } from '../../../../src/engine/base/paths.js';

const paths = instancePaths('7', { env: {}, platform: 'linux', home: '/home/u' });

describe('renderPaths', () => {
  it('prints every key as `key: value` lines', () => {
    const text = renderPaths(paths, 'text');
    expect(text.split('\n').filter(Boolean)).toHaveLength(Object.keys(PATH_KEYS).length);
    expect(text).toContain('docker_socket: /home/u/.rd7/docker.sock\n');
    expect(text).toContain('short_dir: /home/u/.rd7\n');
  });

  it('prints just the value for a key', () => {
    expect(renderPaths(paths, 'text', 'kubeconfig')).toBe('/home/u/.local/share/rancher-desktop-7/kubeconfig\n');
  });

  it('rejects an unknown key with a usage error listing the valid ones', () => {
    expect(() => renderPaths(paths, 'text', 'nope')).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => renderPaths(paths, 'text', 'nope')).toThrow(/valid keys are dir, short_dir, log_dir/);
  });

  it('renders JSON objects and single values', () => {
    expect(JSON.parse(renderPaths(paths, 'json'))).toMatchObject({ dir: paths.dir, docker_socket: paths.dockerSocket });
    expect(JSON.parse(renderPaths(paths, 'json', 'log_dir'))).toBe(paths.logDir);
  });

  it('renders exports that a shell sources, whatever the path holds', () => {
    const odd = instancePaths('7', { env: {}, platform: 'darwin', home: `/tmp/it's a "dir" $HOME \`x\`` });
    // A child of the shell sees them: they are exported, not only set.
    const script = `${renderPaths(odd, 'shell')}sh -c 'printf "%s\\n" "$RDD_DIR" "$RDD_DOCKER_SOCKET" "$RDD_TLS_DIR"'`;
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8', env: {} });
    expect(out).toBe(`${odd.dir}\n${odd.dockerSocket}\n${odd.tlsDir}\n`);
    expect(renderPaths(odd, 'shell', 'docker_socket')).toMatch(/^export RDD_DOCKER_SOCKET='.*'\n$/);
  });

  it('names the TLS dir', () => {
    expect(renderPaths(paths, 'text', 'tls_dir')).toBe('/home/u/.local/share/rancher-desktop-7/tls\n');
  });
});

describe('shellQuote', () => {
  it('quotes single quotes the POSIX way', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WIDGET, kubectlFor, serverForFile } from './fixtures.js';

const server = serverForFile();
const kubectl = kubectlFor(server);

/** Resolves once kubectl, run with -v=6, logs that its watch request was answered. */
function watchOpened(run: ReturnType<typeof kubectl>): Promise<void> {
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubectl opened no watch within 30 s:\n${log}`)), 30_000);
    run.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/ GET \S+watch=true\S* 200 OK/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void run.then(() => {
      clearTimeout(timer);
      reject(new Error(`kubectl exited before it opened a watch:\n${log}`));
    });
  });
}

async function manifest(name: string, body: string): Promise<string> {
  const file = path.join(server().dir, name);
  await writeFile(file, body);
  return file;
}

const widgetYaml = (color: string, extra = '') => `apiVersion: test.rdd.io/v1
kind: Widget
metadata:
  name: k1
  namespace: default
spec:
  color: ${color}
${extra}`;

describe('kubectl 1.32 against the embedded API server', () => {
  it('lists the resources and explains the schema', async () => {
    const resources = await kubectl('api-resources');
    expect(resources.exitCode, resources.stderr).toBe(0);
    expect(resources.stdout).toMatch(/widgets\s+wdg\s+test\.rdd\.io\/v1\s+true\s+Widget/);
    expect(resources.stdout).toMatch(/namespaces\s+ns\s+v1\s+false\s+Namespace/);
    const explain = await kubectl('explain', 'widgets.spec');
    expect(explain.exitCode, explain.stderr).toBe(0);
    expect(explain.stdout).toContain("The widget's colour.");
  });

  it('applies client-side and server-side, gets, patches and refuses unknown fields', async () => {
    const file = await manifest('w.yaml', widgetYaml('red'));
    const created = await kubectl('apply', '-f', file);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stdout).toBe('widget.test.rdd.io/k1 created');
    const configured = await kubectl('apply', '-f', await manifest('w2.yaml', widgetYaml('green')));
    expect(configured.exitCode, configured.stderr).toBe(0);
    expect(configured.stdout).toBe('widget.test.rdd.io/k1 configured');

    const table = await kubectl('get', 'widgets');
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+COLOR\s+PHASE\nk1\s+green\s*$/);
    const jsonpath = await kubectl('get', 'widget', 'k1', '-o', 'jsonpath={.spec.color}');
    expect(jsonpath.stdout).toBe('green');
    const byField = await kubectl('get', 'widgets', '-o', 'name', '--field-selector', 'spec.color=green');
    expect(byField.stdout).toBe('widget.test.rdd.io/k1');
    const all = await kubectl('get', 'widgets', '-A', '--show-labels');
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+COLOR/);

    const merged = await kubectl('patch', 'widget', 'k1', '--type=merge', '-p', '{"spec":{"size":5}}');
    expect(merged.exitCode, merged.stderr).toBe(0);
    expect(merged.stdout).toBe('widget.test.rdd.io/k1 patched');
    const strategic = await kubectl('patch', 'widget', 'k1', '-p', '{"spec":{"size":6}}');
    expect(strategic.exitCode).toBe(1);
    expect(strategic.stderr).toContain('the body of the request was in an unknown format');

    // Taking over a field kubectl-client-side-apply set to another value conflicts, as on a real server.
    const w3 = await manifest('w3.yaml', widgetYaml('blue'));
    const clash = await kubectl('apply', '--server-side', '-f', w3);
    expect(clash.exitCode).toBe(1);
    expect(clash.stderr).toContain('conflict with "kubectl-client-side-apply"');
    const ssa = await kubectl('apply', '--server-side', '--force-conflicts', '-f', w3);
    expect(ssa.exitCode, ssa.stderr).toBe(0);
    expect(ssa.stdout).toBe('widget.test.rdd.io/k1 serverside-applied');
    expect((await server().client.get(WIDGET, 'k1', 'default')).spec?.color).toBe('blue');

    const unknown = await kubectl('apply', '-f', await manifest('w4.yaml', widgetYaml('blue', '  bogus: 1\n')));
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('unknown field "spec.bogus"');
    const invalid = await kubectl('apply', '-f', await manifest('w5.yaml', widgetYaml('pink')));
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stderr).toContain('spec.color: Unsupported value: "pink"');
  });

  it('waits for a jsonpath condition reached by a later status write', async () => {
    expect((await kubectl('get', 'widget', 'k1', '-o', 'jsonpath={.status.phase}')).stdout).not.toBe('Ready');
    // -v=6 logs each request once its response headers are in: the write goes
    // out only after the watch is open, so the watch path is what is tested.
    const waiting = kubectl('-v=6', 'wait', '--for=jsonpath={.status.phase}=Ready', 'widget/k1', '--timeout=30s');
    await watchOpened(waiting);
    await server().client.patch(WIDGET, 'k1', { status: { phase: 'Ready' } }, { type: 'merge', namespace: 'default', subresource: 'status' });
    const done = await waiting;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.stdout).toBe('widget.test.rdd.io/k1 condition met');
    const deleted = await kubectl('delete', 'widget', 'k1');
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe('widget.test.rdd.io "k1" deleted');
    const missing = await kubectl('get', 'widget', 'k1');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('widgets.test.rdd.io "k1" not found');
  });

  it('shows built-ins, keeps a finalized object Terminating and waits for its deletion', async () => {
    const ns = await kubectl('get', 'ns', 'default');
    expect(ns.stdout).toMatch(/^NAME\s+STATUS\s+AGE\ndefault\s+Active\s+\d+s$/);
    // `create namespace` sends protobuf; label and delete go through patch and the namespace lifecycle.
    const created = await kubectl('create', 'namespace', 'kns');
    expect(created.exitCode, created.stderr).toBe(0);
    expect((await kubectl('label', 'ns', 'kns', 'team=a')).stdout).toBe('namespace/kns labeled');
    expect((await kubectl('get', 'ns', '-l', 'team=a', '-o', 'name')).stdout).toBe('namespace/kns');
    const nsDeleted = await kubectl('delete', 'ns', 'kns', '--timeout=30s');
    expect(nsDeleted.exitCode, nsDeleted.stderr).toBe(0);
    expect(nsDeleted.stdout).toBe('namespace "kns" deleted');
    const crds = await kubectl('get', 'crd');
    expect(crds.stdout).toMatch(/\nwidgets\.test\.rdd\.io\s+\S+/);
    const held = widgetYaml('red', '').replace('name: k1', 'name: k2\n  finalizers: [test.rdd.io/hold]');
    expect((await kubectl('apply', '-f', await manifest('k2.yaml', held))).exitCode).toBe(0);
    const del = await kubectl('delete', 'widget', 'k2', '--wait=false');
    expect(del.exitCode, del.stderr).toBe(0);
    expect((await kubectl('get', 'widget', 'k2', '-o', 'jsonpath={.metadata.deletionTimestamp}')).stdout).toMatch(/^\d{4}-/);
    const waiting = kubectl('wait', '--for=delete', 'widget/k2', '--timeout=30s');
    const patched = await kubectl('patch', 'widget', 'k2', '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
    expect(patched.exitCode, patched.stderr).toBe(0);
    const gone = await waiting;
    expect(gone.exitCode, gone.stderr).toBe(0);
    // kubectl prints "condition met" only when it saw the object before it went; either way it must end 0.
    expect(['', 'widget.test.rdd.io/k2 condition met']).toContain(gone.stdout);
    expect(await server().client.find(WIDGET, 'k2', 'default')).toBeUndefined();
  });
});

import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cellValue, formatAge, toTable, type ComputedColumn } from '../../../../../src/engine/apiserver/table/table.js';
import { evaluateJsonPath, JsonPathError, parseJsonPath } from '../../../../../src/engine/apiserver/table/json-path.js';
import { crdDir } from '../../../../../src/engine/base/assets.js';
import type { PrinterColumn } from '../../../../../src/engine/kube/json-schema.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';

const now = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('formatAge (kube HumanDuration)', () => {
  it.each([
    [0, '0s'],
    [-1500, '0s'],
    [-3 * S, '<invalid>'],
    [45 * S, '45s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 20 * S, '3m20s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [90 * M, '90m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [5 * H + 7 * M, '5h7m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D + 5 * H, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [730 * D + 12 * D, '2y12d'],
    [9 * 365 * D, '9y'],
  ])('%i ms → %s', (ms, expected) => {
    expect(formatAge(ago(ms), now)).toBe(expected);
  });

  it('accepts Date values and flags garbage', () => {
    expect(formatAge(new Date(now.getTime() - 5 * S), now)).toBe('5s');
    expect(formatAge('not a time', now)).toBe('<invalid>');
  });
});

const obj: KubeObject = {
  apiVersion: 'containers.rancherdesktop.io/v1alpha1',
  kind: 'Container',
  metadata: { name: 'web', namespace: 'rancher-desktop', creationTimestamp: ago(5 * M), labels: { 'app.kubernetes.io/name': 'web' } },
  spec: { image: 'busybox', replicas: 3, ratio: 0.5, paused: false, 'dotted.key': 'dk' },
  status: {
    state: 'running',
    startedAt: ago(90 * S),
    ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }],
    conditions: [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False' }],
  },
};

describe('evaluateJsonPath', () => {
  it.each<[string, unknown[]]>([
    ['.spec.image', ['busybox']],
    ['{.spec.image}', ['busybox']],
    ['.status.ports[*].name', ['http', 'https']],
    ['.status.ports[1].port', [443]],
    ['.status.ports[-1].name', ['https']],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    [".status.conditions[?(@.type!='Ready')].type", ['Synced']],
    [".spec['dotted.key']", ['dk']],
    ['.metadata.labels.app\\.kubernetes\\.io/name', ['web']],
    ['.status.missing', []],
    ['.spec.image.deeper', []],
    ['.status.ports[5]', []],
  ])('%s', (path, expected) => {
    expect(evaluateJsonPath(obj, path)).toEqual(expected);
  });

  it.each(['.spec..x', '.spec[', '.spec[?(@.a ~ 1)]', 'spec'])('rejects %j', (path) => {
    expect(() => evaluateJsonPath(obj, path)).toThrow(JsonPathError);
  });
});

describe('cellValue', () => {
  it.each<[PrinterColumn, unknown]>([
    [{ name: 'Image', type: 'string', jsonPath: '.spec.image' }, 'busybox'],
    [{ name: 'Ports', type: 'string', jsonPath: '.status.ports[*].name' }, 'http,https'],
    [{ name: 'PortObjs', type: 'string', jsonPath: '.status.ports[0]' }, '{"name":"http","port":80}'],
    [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }, 3],
    [{ name: 'Ratio', type: 'integer', jsonPath: '.spec.ratio' }, 0],
    [{ name: 'Ratio', type: 'number', jsonPath: '.spec.ratio' }, 0.5],
    [{ name: 'Paused', type: 'boolean', jsonPath: '.spec.paused' }, false],
    [{ name: 'Paused', type: 'integer', jsonPath: '.spec.paused' }, null],
    [{ name: 'Started', type: 'date', jsonPath: '.status.startedAt' }, '90s'],
    [{ name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' }, 'True'],
    [{ name: 'Missing', type: 'string', jsonPath: '.status.nothing' }, null],
    [{ name: 'Broken', type: 'string', jsonPath: '.status[' }, null],
  ])('$name ($type) → %j', (col, expected) => {
    expect(cellValue(obj, col, now)).toEqual(expected);
  });
});

describe('toTable', () => {
  const other: KubeObject = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: 'db', creationTimestamp: ago(3 * D) } };
  const columns: PrinterColumn[] = [
    { name: 'State', type: 'string', jsonPath: '.status.state', description: 'engine state' },
    { name: 'Ports', type: 'string', jsonPath: '.status.ports[*].port', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];

  it('puts Name first, then the printer columns, with kube column definitions', () => {
    const table = toTable([obj, other], columns, { includeObject: 'None', now, resourceVersion: '42' });
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.metadata).toEqual({ resourceVersion: '42' });
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0],
      ['State', 'string', '', 0],
      ['Ports', 'string', '', 1],
      ['Age', 'date', '', 0],
    ]);
    expect(table.columnDefinitions[1].description).toBe('engine state');
    expect(table.columnDefinitions[2].description).toBe('Custom resource definition column (in JSONPath format): .status.ports[*].port');
    expect(table.rows).toEqual([{ cells: ['web', 'running', '80,443', '5m'] }, { cells: ['db', null, null, '3d'] }]);
  });

  it('serves Name and Age for a CRD without printer columns', () => {
    const table = toTable([obj], [], { includeObject: 'None', now, resourceVersion: '1', continue: 'tok' });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(table.rows[0].cells).toEqual(['web', '5m']);
    expect(table.metadata).toEqual({ resourceVersion: '1', continue: 'tok' });
  });

  it.each([
    ['None', undefined],
    ['Metadata', { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata }],
    ['Object', obj],
  ] as const)('includeObject=%s', (includeObject, expected) => {
    const row = toTable([obj], columns, { includeObject, now, resourceVersion: '1' }).rows[0];
    expect(row.object).toEqual(expected);
    expect('object' in row).toBe(expected !== undefined);
  });
});

describe("the repository's CRDs", () => {
  it('use only printer-column JSONPaths the table renderer understands', async () => {
    const paths: string[] = [];
    for (const file of (await readdir(crdDir)).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(await readFile(`${crdDir}/${file}`, 'utf8'))) {
        const crd = doc.toJS() as { spec?: { versions?: { additionalPrinterColumns?: PrinterColumn[] }[] } } | null;
        for (const v of crd?.spec?.versions ?? []) paths.push(...(v.additionalPrinterColumns ?? []).map((c) => c.jsonPath));
      }
    }
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(() => parseJsonPath(p), p).not.toThrow();
  });
});

describe('built-in kinds\' columns', () => {
  const obj = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'ev.1' }, involvedObject: { kind: 'Container', name: 'web' } } as KubeObject;

  it('renders a computed cell, and lets a kind place its name column itself', () => {
    const table = toTable(
      [obj],
      [
        { name: 'Object', type: 'string', jsonPath: '.involvedObject', cell: (o: KubeObject) => `${String((o.involvedObject as { kind: string }).kind).toLowerCase()}/web` } as ComputedColumn,
        { name: 'Name', type: 'string', format: 'name', jsonPath: '.metadata.name', priority: 1 },
      ],
      { includeObject: 'None', now: new Date(), resourceVersion: '1' },
    );
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Object', 0],
      ['Name', 1],
    ]);
    expect(table.rows[0].cells).toEqual(['container/web', 'ev.1']);
  });
});

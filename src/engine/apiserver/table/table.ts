/**
 * meta.k8s.io/v1 Table rendering of custom resources, as kube-apiserver's CRD
 * table convertor does it: a Name column, then the CRD's
 * additionalPrinterColumns — or Age alone when the CRD declares none.
 * Cells are rendered server-side (dates become ages) since kubectl prints them as is.
 */
import type { KubeObject } from '../../kube/types.js';
import type { PrinterColumn } from '../../kube/json-schema.js';
import { formatAge } from './format-age.js';
import { evaluateJsonPath, JsonPathError } from './json-path.js';

export { formatAge };

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

/** What kube serves for a CRD without additionalPrinterColumns. */
export const DEFAULT_COLUMNS: PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];

/**
 * A built-in kind's column that kube's printers compute and a JSONPath
 * cannot express (a ConfigMap's key count, a Service's PORT(S)); `jsonPath`
 * then only names what it is computed from.
 */
export interface ComputedColumn extends PrinterColumn {
  cell(obj: KubeObject): unknown;
}

function isComputed(col: PrinterColumn): col is ComputedColumn {
  return typeof (col as Partial<ComputedColumn>).cell === 'function';
}

function columnDefinition(col: PrinterColumn): TableColumnDefinition {
  return {
    name: col.name,
    type: col.type,
    format: col.format ?? '',
    description: col.description ?? `Custom resource definition column (in JSONPath format): ${col.jsonPath}`,
    priority: col.priority ?? 0,
  };
}

function toText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One cell; null when the path selects nothing or the value does not fit the column type. */
export function cellValue(obj: KubeObject, col: PrinterColumn, now: Date): unknown {
  if (isComputed(col)) return col.cell(obj);
  let values: unknown[];
  try {
    values = evaluateJsonPath(obj, col.jsonPath).filter((v) => v !== null);
  } catch (err) {
    // kube rejects such CRDs up front; a served list must still render.
    if (err instanceof JsonPathError) return null;
    throw err;
  }
  if (values.length === 0) return null;
  const first = values[0];
  switch (col.type) {
    case 'string':
      // A path with a wildcard lists every match, like kubectl's custom-columns.
      return values.map(toText).join(',');
    case 'integer':
      return typeof first === 'number' ? Math.trunc(first) : null;
    case 'number':
      return typeof first === 'number' ? first : null;
    case 'boolean':
      return typeof first === 'boolean' ? first : null;
    case 'date':
      return typeof first === 'string' ? formatAge(first, now) : null;
  }
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'Object') return obj;
  if (include === 'Metadata') return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  return undefined;
}

export function toTable(
  objs: KubeObject[],
  columns: PrinterColumn[],
  opts: { includeObject: IncludeObject; now: Date; resourceVersion: string; continue?: string },
): Table {
  const printed = columns.length > 0 ? columns : DEFAULT_COLUMNS;
  // A kind whose columns place the name themselves (format "name"; kube's Events list it last, for -o wide only).
  const ownName = printed.some((col) => col.format === 'name');
  const rows = objs.map((obj): TableRow => {
    const cells = printed.map((col) => cellValue(obj, col, opts.now));
    const row: TableRow = { cells: ownName ? cells : [obj.metadata.name ?? '', ...cells] };
    const object = rowObject(obj, opts.includeObject);
    if (object !== undefined) row.object = object;
    return row;
  });
  const metadata: Table['metadata'] = { resourceVersion: opts.resourceVersion };
  if (opts.continue) metadata.continue = opts.continue;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: ownName ? printed.map(columnDefinition) : [NAME_COLUMN, ...printed.map(columnDefinition)],
    rows,
  };
}

import type { JSONSchemaProps } from '../../kube/json-schema.js';
import { UsageError } from '../../base/errors.js';

/** A settable App property: its dot path under spec and its schema. */
export interface AppProperty {
  path: string;
  schema: JSONSchemaProps;
}

/** The leaves of the App's spec schema, by dot path (`containerEngine.name`), in schema order. */
export function settableProperties(specSchema: JSONSchemaProps, prefix = ''): AppProperty[] {
  const out: AppProperty[] = [];
  for (const [name, schema] of Object.entries(specSchema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (schema.type === 'object' && schema.properties) out.push(...settableProperties(schema, path));
    else out.push({ path, schema });
  }
  return out;
}

function describe(p: AppProperty): string {
  const kind = p.schema.enum ? p.schema.enum.map(String).join('|') : (p.schema.type ?? 'any');
  return `${p.path} (${kind})`;
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/**
 * Coerces the command-line text to the schema's type. Text that does not fit
 * is passed on unchanged, so the server rejects it with its own message.
 */
export function coerceValue(raw: string, schema: JSONSchemaProps): unknown {
  switch (schema.type) {
    case 'boolean':
      return Object.hasOwn(BOOLEANS, raw.toLowerCase()) ? BOOLEANS[raw.toLowerCase()] : raw;
    case 'integer':
      return /^[-+]?\d+$/.test(raw) ? Number(raw) : raw;
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    default:
      return raw;
  }
}

/**
 * Parses `PROP=VALUE` arguments against the App's spec schema into a nested
 * spec patch. Unknown properties are a usage error listing the valid ones.
 */
export function parseAssignments(args: readonly string[], specSchema: JSONSchemaProps): Record<string, unknown> {
  if (args.length === 0) throw new UsageError('nothing to set: give at least one PROP=VALUE', { suggestion: 'e.g. rdd set running=true' });
  const props = settableProperties(specSchema);
  const byPath = new Map(props.map((p) => [p.path, p]));
  const spec: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`"${arg}" is not PROP=VALUE`, { suggestion: `valid properties: ${props.map(describe).join(', ')}` });
    const path = arg.slice(0, eq);
    const prop = byPath.get(path);
    if (!prop) {
      throw new UsageError(`unknown App property "${path}"`, { suggestion: `valid properties: ${props.map(describe).join(', ')}` });
    }
    setPath(spec, path.split('.'), coerceValue(arg.slice(eq + 1), prop.schema));
  }
  return spec;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

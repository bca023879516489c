import type { JSONSchemaProps } from '../../engine/kube/json-schema.js';
import { UsageError } from '../../engine/base/errors.js';
import { parseBoolean } from '../program/parse-bool.js';

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

/** What a property accepts, as a user types it: `moby|containerd`, `true|false`, `integer`. */
export function acceptedValues(schema: JSONSchemaProps): string {
  if (schema.enum) return schema.enum.map(String).join('|');
  if (schema.type === 'boolean') return 'true|false';
  return schema.type ?? 'any';
}

/** Values worth offering for a property (shell completion): its enum, or both booleans. */
export function valueCandidates(schema: JSONSchemaProps): string[] {
  if (schema.enum) return schema.enum.map(String);
  return schema.type === 'boolean' ? ['true', 'false'] : [];
}

function describe(p: AppProperty): string {
  return `${p.path} (${acceptedValues(p.schema)})`;
}

const EXPECTED: Record<string, string> = { boolean: 'true or false', integer: 'an integer', number: 'a number' };

function typed(raw: string, schema: JSONSchemaProps): { value: unknown } | undefined {
  switch (schema.type) {
    case 'boolean': {
      const value = parseBoolean(raw);
      return value === undefined ? undefined : { value };
    }
    case 'integer':
      return /^[-+]?\d+$/.test(raw) ? { value: Number(raw) } : undefined;
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? { value: Number(raw) } : undefined;
    default:
      return { value: raw };
  }
}

/**
 * Reads the command-line text of `path` as the schema's type and checks it
 * against the schema's enum, so a mistyped value fails before anything is
 * started or created. Finer rules (minimum, pattern) stay with the server,
 * which says why in its own words.
 */
export function parseValue(path: string, raw: string, schema: JSONSchemaProps): unknown {
  const parsed = typed(raw, schema);
  const allowed = schema.enum?.map(String);
  if (parsed === undefined || (allowed && !allowed.includes(String(parsed.value)))) {
    const expected = allowed ? `one of ${allowed.join(', ')}` : EXPECTED[schema.type ?? 'string'];
    throw new UsageError(`invalid value "${raw}" for App property ${path}: expected ${expected}`);
  }
  return parsed.value;
}

/**
 * Parses `PROP=VALUE` arguments against the App's spec schema into a nested
 * spec patch. Unknown properties and values of the wrong type are usage errors.
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
    setPath(spec, path.split('.'), parseValue(path, arg.slice(eq + 1), prop.schema));
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

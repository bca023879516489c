import type { KubeObject, ObjectMeta } from '../../kube/types.js';
import { badRequest } from './errors.js';

/*
 * kubectl's typed commands (`kubectl create namespace foo`) send built-in
 * objects as Kubernetes protobuf: the magic "k8s\0", then a runtime.Unknown
 * whose `raw` is the object. This decodes the writable fields of the
 * built-in kinds kubectl creates that way, and nothing else.
 */

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Fields = Map<number, (Buffer | number)[]>;

/** Splits one message into its fields (varints as numbers, length-delimited as buffers). */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw badRequest('protobuf body is truncated');
      const byte = buf[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    let value: Buffer | number;
    switch (tag & 7) {
      case 0:
        value = varint();
        break;
      case 2: {
        const len = varint();
        if (pos + len > buf.length) throw badRequest('protobuf body is truncated');
        value = buf.subarray(pos, pos + len);
        pos += len;
        break;
      }
      case 1:
        value = buf.subarray(pos, (pos += 8));
        break;
      case 5:
        value = buf.subarray(pos, (pos += 4));
        break;
      default:
        throw badRequest(`protobuf body has an unsupported wire type ${tag & 7}`);
    }
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const str = (f: Fields, n: number): string | undefined => {
  const v = f.get(n)?.at(-1);
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
};
const strs = (f: Fields, n: number): string[] => (f.get(n) ?? []).filter(Buffer.isBuffer).map((b) => b.toString('utf8'));
const msg = (f: Fields, n: number): Fields | undefined => {
  const v = f.get(n)?.at(-1);
  return Buffer.isBuffer(v) ? fields(v) : undefined;
};

function stringMap(f: Fields, n: number, encoding: BufferEncoding = 'utf8'): Record<string, string> | undefined {
  const entries = (f.get(n) ?? []).filter(Buffer.isBuffer).map((b) => fields(b));
  if (!entries.length) return undefined;
  const value = (e: Fields) => {
    const v = e.get(2)?.at(-1);
    return Buffer.isBuffer(v) ? v.toString(encoding) : '';
  };
  return Object.fromEntries(entries.map((e) => [str(e, 1) ?? '', value(e)]));
}

const bool = (f: Fields, n: number): boolean | undefined => (f.has(n) ? f.get(n)?.at(-1) === 1 : undefined);

/** Leaves out what the message did not carry, as the JSON form would. */
function defined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

function objectMeta(f: Fields | undefined): ObjectMeta {
  if (!f) return {};
  const meta: ObjectMeta = {
    name: str(f, 1),
    generateName: str(f, 2),
    namespace: str(f, 3),
    uid: str(f, 5),
    resourceVersion: str(f, 6),
    labels: stringMap(f, 11),
    annotations: stringMap(f, 12),
    finalizers: strs(f, 14),
  };
  if (!meta.finalizers?.length) delete meta.finalizers;
  for (const key of Object.keys(meta) as (keyof ObjectMeta)[]) if (meta[key] === undefined || meta[key] === '') delete meta[key];
  return meta;
}

type Decoder = (raw: Fields) => { metadata: ObjectMeta; [field: string]: unknown };

function resourceAttributes(f: Fields): Record<string, string> {
  const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = str(f, i + 1);
    if (value) out[name] = value;
  });
  return out;
}

const int = (f: Fields, n: number): number | undefined => {
  const v = f.get(n)?.at(-1);
  return typeof v === 'number' ? v : undefined;
};

/** intstr.IntOrString: type 0 is intVal (field 2), 1 is strVal (field 3). */
function intOrString(f: Fields | undefined): number | string | undefined {
  if (!f) return undefined;
  return int(f, 1) === 1 ? str(f, 3) : (int(f, 2) ?? 0);
}

function servicePort(f: Fields): Record<string, unknown> {
  return defined({
    name: str(f, 1) || undefined,
    protocol: str(f, 2) || undefined,
    port: int(f, 3),
    targetPort: intOrString(msg(f, 4)),
    nodePort: int(f, 5),
    appProtocol: str(f, 6) || undefined,
  });
}

/** The writable fields of each built-in kind kubectl sends as protobuf, by their generated.proto field numbers. */
const DECODERS: Record<string, Decoder> = {
  Namespace(raw) {
    const spec = msg(raw, 2);
    const finalizers = spec ? strs(spec, 1) : [];
    return { metadata: objectMeta(msg(raw, 1)), ...(finalizers.length ? { spec: { finalizers } } : {}) };
  },
  ConfigMap(raw) {
    return {
      metadata: objectMeta(msg(raw, 1)),
      ...defined({ data: stringMap(raw, 2), binaryData: stringMap(raw, 3, 'base64'), immutable: bool(raw, 4) }),
    };
  },
  Secret(raw) {
    return {
      metadata: objectMeta(msg(raw, 1)),
      ...defined({ data: stringMap(raw, 2, 'base64'), type: str(raw, 3), stringData: stringMap(raw, 4), immutable: bool(raw, 5) }),
    };
  },
  Service(raw) {
    const spec: Fields = msg(raw, 2) ?? new Map();
    const ports = (spec.get(1) ?? []).filter(Buffer.isBuffer).map((b) => servicePort(fields(b)));
    return {
      metadata: objectMeta(msg(raw, 1)),
      spec: defined({
        ports: ports.length ? ports : undefined,
        selector: stringMap(spec, 2),
        clusterIP: str(spec, 3) || undefined,
        type: str(spec, 4) || undefined,
        externalName: str(spec, 10) || undefined,
      }),
    };
  },
  SelfSubjectAccessReview(raw) {
    const spec = msg(raw, 2) ?? new Map();
    const res = msg(spec, 1);
    const nonRes = msg(spec, 2);
    return {
      metadata: objectMeta(msg(raw, 1)),
      spec: {
        ...(res ? { resourceAttributes: resourceAttributes(res) } : {}),
        ...(nonRes ? { nonResourceAttributes: { path: str(nonRes, 1) ?? '', verb: str(nonRes, 2) ?? '' } } : {}),
      },
    };
  },
  SelfSubjectRulesReview(raw) {
    const spec = msg(raw, 2);
    return { metadata: objectMeta(msg(raw, 1)), spec: { namespace: (spec && str(spec, 1)) ?? '' } };
  },
  SelfSubjectReview(raw) {
    return { metadata: objectMeta(msg(raw, 1)) };
  },
};

/** The built-in kinds a protobuf body may carry. */
export const PROTOBUF_KINDS = Object.keys(DECODERS);

/** Decodes a protobuf-encoded built-in object (a runtime.Unknown around it); 400 for anything else. */
export function decodeProtobuf(body: Buffer): KubeObject {
  if (!body.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf body lacks the "k8s\\0" prefix');
  const unknown = fields(body.subarray(4));
  const typeMeta = msg(unknown, 1);
  const apiVersion = (typeMeta && str(typeMeta, 1)) ?? '';
  const kind = (typeMeta && str(typeMeta, 2)) ?? '';
  const decode = DECODERS[kind];
  if (!decode) throw badRequest(`protobuf bodies are accepted for ${PROTOBUF_KINDS.join(', ')} only, not ${kind || 'this object'}`);
  return { apiVersion, kind, ...decode(msg(unknown, 2) ?? new Map()) };
}

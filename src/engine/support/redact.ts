/**
 * The redaction pass every bundle file goes through (docs/support-bundle.md): secrets we know
 * (the instance token, values of secret-looking env vars) are replaced
 * wherever they appear, and anything shaped like a secret is masked by form.
 */
export const REDACTED = '<redacted>';

/** Names that smell of a secret: env vars, JSON/YAML keys, CLI flags. */
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:TOKEN|SECRET|PASSW(?:OR)?D|PASSPHRASE|KEY|CREDENTIAL|AUTH(?!ORIT)|COOKIE|SESSION)[A-Za-z0-9_.-]*`;

export function isSecretName(name: string): boolean {
  return new RegExp(`^${SECRET_NAME}$`, 'i').test(name);
}

const RULES: readonly [RegExp, string][] = [
  // PEM private keys, whole blocks.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, `${REDACTED} private key`],
  // HTTP credentials in any header-like text.
  [/\b(Authorization|Proxy-Authorization)(["']?\s*[:=]\s*["']?)[^\n"']*/gi, `$1$2${REDACTED}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${REDACTED}`],
  // "someToken": "value" (JSON; string values only, so the JSON stays valid).
  [new RegExp(String.raw`("${SECRET_NAME}"\s*:\s*)"(?:[^"\\]|\\.)*"`, 'gi'), `$1"${REDACTED}"`],
  // some-token: value (YAML), keeping block scalars' indicator lines harmless.
  [new RegExp(String.raw`^(\s*(?:-\s+)?${SECRET_NAME}\s*:[ \t]+)(?!["']?${REDACTED})\S.*$`, 'gim'), `$1${REDACTED}`],
  // NAME=value (env vars, logfmt) and --flag=value / --flag value.
  [new RegExp(String.raw`(^|[\s"'(,;])(${SECRET_NAME})=(?!${REDACTED})[^\s"',;)]+`, 'gim'), `$1$2=${REDACTED}`],
  [new RegExp(String.raw`(--${SECRET_NAME}[= ])(?!${REDACTED})\S+`, 'gi'), `$1${REDACTED}`],
];

export interface Redactor {
  (text: string): string;
  /** Adds literal values to mask everywhere (short ones are ignored: they would shred the text). */
  addSecrets(values: Iterable<string | undefined>): void;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function createRedactor(): Redactor {
  const known = new Set<string>();
  let literal: RegExp | undefined;
  const redact = ((text: string): string => {
    let out = literal ? text.replace(literal, REDACTED) : text;
    for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
    return out;
  }) as Redactor;
  redact.addSecrets = (values) => {
    for (const v of values) if (v && v.length >= 6 && v !== REDACTED) known.add(v);
    // Longest first, so a secret that contains another is masked whole.
    const sorted = [...known].sort((a, b) => b.length - a.length).map(escapeRegExp);
    literal = sorted.length > 0 ? new RegExp(sorted.join('|'), 'g') : undefined;
  };
  return redact;
}

/** Values of secret-looking entries of an environment (`NAME=value` strings or an env object). */
export function secretEnvValues(env: readonly string[] | NodeJS.ProcessEnv): string[] {
  const entries = Array.isArray(env)
    ? env.map((e) => [e.slice(0, Math.max(0, e.indexOf('='))), e.slice(e.indexOf('=') + 1)] as const)
    : Object.entries(env);
  return entries.filter(([name, value]) => name && value && isSecretName(name)).map(([, value]) => value as string);
}

/** Holds a whole object as JSON (kubectl apply): it carries whatever the object does, Secret data too. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A Secret's data and stringData with their keys kept and every value replaced. */
function redactSecretData(data: unknown): unknown {
  return isRecord(data) ? Object.fromEntries(Object.keys(data).map((k) => [k, REDACTED])) : REDACTED;
}

function redactAnnotations(annotations: Record<string, unknown>, secret: boolean): Record<string, unknown> {
  const applied = annotations[LAST_APPLIED];
  if (typeof applied !== 'string') return annotations;
  let inner: string;
  try {
    inner = secret ? REDACTED : JSON.stringify(redactObjects(JSON.parse(applied)));
  } catch {
    inner = REDACTED;
  }
  return { ...annotations, [LAST_APPLIED]: inner };
}

/**
 * API objects as they may go into a bundle: the values of a Secret's `data`
 * and `stringData` are replaced (their keys kept, to show what the Secret
 * holds), and so is everything under a key that looks secret, in any kind and
 * at any depth; the last-applied copy of an object gets the same treatment.
 * Text redaction cannot do this: `dbpass: aHVudGVy` has no secret-looking
 * name, and a base64 value has no secret-looking shape.
 */
export function redactObjects(value: unknown, isSecret = false): unknown {
  if (Array.isArray(value)) return value.map((v) => redactObjects(v));
  if (!isRecord(value)) return value;
  const secret = isSecret || value.kind === 'Secret';
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // The items of a list need not say their kind (kube leaves it out): the list does.
    if (key === 'items' && value.kind === 'SecretList' && Array.isArray(child)) out[key] = child.map((item) => redactObjects(item, true));
    else if (secret && (key === 'data' || key === 'stringData')) out[key] = redactSecretData(child);
    else if (isSecretName(key) && child !== null && child !== '') out[key] = REDACTED;
    else if (key === 'metadata' && isRecord(child) && isRecord(child.annotations)) {
      out[key] = redactObjects({ ...child, annotations: redactAnnotations(child.annotations, secret) });
    }
    else out[key] = redactObjects(child);
  }
  return out;
}

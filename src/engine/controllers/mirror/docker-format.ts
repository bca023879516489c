/*
 * Display strings that make `rdd ctl get` read like the docker CLI. Printer
 * columns can only pick a field, not format it, so the mapping stores these
 * next to the raw values.
 */

export interface PortBinding {
  hostIP: string;
  hostPort: string;
}

/** `docker ps` COMMAND: path and args, an arg containing a space in single quotes (as the daemon's list does). */
export function formatCommand(path: string, args: readonly string[] | null | undefined): string {
  const quoted = (args ?? []).map((a) => (a.includes(' ') ? `'${a}'` : a));
  return [path, ...quoted].join(' ');
}

/**
 * `docker ps` PORTS, one entry per binding: `127.0.0.1:8080->80/tcp`, an
 * unbound port as `80/tcp`, joined with ", ". docker 20.10 writes the host
 * IP as is, so `::` reads `:::8080->80/tcp`.
 */
export function formatPorts(ports: readonly { name: string; bindings?: readonly PortBinding[] }[]): string {
  return ports
    .flatMap(({ name, bindings }) =>
      bindings && bindings.length > 0 ? bindings.map((b) => `${b.hostIP}:${b.hostPort}->${name}`) : [name],
    )
    .join(', ');
}

/** `docker images` IMAGE ID: the digest without its algorithm, 12 hex digits (docker's stringid.TruncateID). */
export function shortImageId(id: string): string {
  return id.slice(id.indexOf(':') + 1).slice(0, 12);
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** `docker images` SIZE: decimal units, 3 significant digits (go-units HumanSizeWithPrecision(size, 3)). */
export function formatSize(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${formatGoG(size, 3)}${DECIMAL_UNITS[unit]}`;
}

/** Go's `%.<precision>g`: shortest of fixed/exponent, trailing zeros dropped, exponent at least two digits. */
function formatGoG(value: number, precision: number): string {
  if (value === 0) return '0';
  const [mantissa, expText] = value.toExponential(precision - 1).split('e');
  const exp = Number(expText);
  const trim = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  if (exp < -4 || exp >= precision) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${trim(mantissa)}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  return trim(value.toFixed(Math.max(0, precision - 1 - exp)));
}

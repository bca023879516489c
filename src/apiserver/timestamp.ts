/** Now as kube stamps times: RFC 3339 with second precision. */
export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

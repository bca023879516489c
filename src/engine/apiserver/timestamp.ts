let cachedSecond = -1;
let cachedText = '';

/** Now as kube stamps times: RFC 3339 with second precision (formatted once per second: writes stamp it several times). */
export function nowTimestamp(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedText = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
  }
  return cachedText;
}

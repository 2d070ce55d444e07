/** True when a Connection value names `upgrade` or `http2-settings` among its options. */
function connectionNamesUpgrade(value: string): boolean {
  for (const option of value.split(',')) {
    const name = option.trim().toLowerCase();
    if (name === 'upgrade' || name === 'http2-settings') return true;
  }
  return false;
}

/**
 * True when a request tries to switch protocols (WebSocket, h2c, or anything else): it carries an
 * `Upgrade` or `HTTP2-Settings` header (any value, even empty), or its `Connection` header names
 * `upgrade` or `http2-settings`. Node's server hands such a request to the ordinary handler when no
 * 'upgrade' listener exists (and always when `Connection` lacks `upgrade`), so without this check
 * it would be forwarded as a plain request, `Sec-WebSocket-Key` and injected secrets included.
 * Reads Node's `rawHeaders` (names in any casing); names of other lengths are never lower-cased.
 *
 * @example
 * ```ts
 * isUpgradeAttempt(['Host', 'a', 'Connection', 'Upgrade, HTTP2-Settings', 'Upgrade', 'h2c']); // true
 * ```
 */
export function isUpgradeAttempt(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    switch (name.length) {
      case 7:
        if (name.toLowerCase() === 'upgrade') return true;
        break;
      case 10:
        if (name.toLowerCase() === 'connection' && connectionNamesUpgrade(rawHeaders[i + 1]!)) return true;
        break;
      case 14:
        if (name.toLowerCase() === 'http2-settings') return true;
        break;
    }
  }
  return false;
}

import type { Clock } from '../clock.js';
import { ShieldError } from '../errors.js';
import type { GatewayCheck } from '../gateway/index.js';
import type { DeviceStore } from '../stores/ports.js';
import { createLruCache } from '../tokens/index.js';

/**
 * Refuses the still-unexpired tokens of a revoked device (threats C-29): for a token bound to a
 * device key (`cnf.kid`), the device's revocation is looked up, cached for `maxStalenessMs`, so a
 * revocation takes effect on every instance within that bound without a store read per request.
 * Tokens without a device key (debug tokens) have nothing to revoke and pass.
 */
export function createRevocationCheck(options: {
  devices: Pick<DeviceStore, 'get'>;
  clock: Clock;
  /** Longest time a revocation may go unnoticed, ms. Default 5000. */
  maxStalenessMs?: number;
  /** Devices remembered at once. Default 10 000. */
  maxEntries?: number;
}): GatewayCheck {
  const maxStalenessMs = options.maxStalenessMs ?? 5000;
  const cache = createLruCache<{ revoked: boolean; checkedAt: number }>(options.maxEntries ?? 10_000);
  return {
    name: 'device-revocation',
    phase: 'headers',
    async run(context) {
      const kid = context.claims?.cnf?.kid;
      if (kid === undefined) return;
      const now = options.clock.now();
      let entry = cache.get(kid);
      if (entry === undefined || now - entry.checkedAt >= maxStalenessMs) {
        const device = await options.devices.get(kid);
        // A token whose key the shield never registered (its store was reset) is refused too.
        entry = { revoked: device === null || device.revokedAt !== null, checkedAt: now };
        cache.set(kid, entry);
      }
      if (entry.revoked) throw new ShieldError('device_revoked', 'device_revoked');
    },
  };
}

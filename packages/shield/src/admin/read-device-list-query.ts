import type { AssuranceLevel, Platform } from '@portcullis/protocol';
import { deviceListQuerySchema } from './admin-schemas.js';
import { readQueryWithSchema } from './read-with-schema.js';

/** The query parameters `GET /devices` takes. */
export const DEVICE_LIST_QUERY_PARAMETERS = Object.keys(deviceListQuerySchema.shape) as readonly string[];

/** A page request for the device list, in the DeviceStore's terms, plus the console's filters. */
export interface DeviceListQuery {
  appId?: string;
  platform?: Platform;
  level?: AssuranceLevel;
  limit: number;
  /** Only key ids after this one (in byte order): the `next` of the previous page. */
  afterKeyId?: string;
}

/**
 * Reads the query string of `GET /devices` (deviceListQuerySchema): `appId`, `platform`, `level`,
 * `limit` (1-1000, default 100) and `after` (the key id the previous page ended with,
 * percent-encoded). Anything else, a repeated parameter or a bad value is refused with a
 * `bad_request` naming the parameter.
 *
 * @example
 * ```ts
 * readDeviceListQuery('appId=shop&limit=50&after=ab%2Bc'); // { appId: 'shop', limit: 50, afterKeyId: 'ab+c' }
 * ```
 */
export function readDeviceListQuery(query: string): DeviceListQuery {
  const read = readQueryWithSchema(query, deviceListQuerySchema);
  const result: DeviceListQuery = { limit: read.limit };
  if (read.appId !== undefined) result.appId = read.appId;
  if (read.platform !== undefined) result.platform = read.platform;
  if (read.level !== undefined) result.level = read.level;
  if (read.after !== undefined) result.afterKeyId = read.after;
  return result;
}

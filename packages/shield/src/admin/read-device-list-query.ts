import { FORMATS } from '../config/fields.js';
import { adminError } from './admin-error.js';
import { isKeyId } from './parse-key-id-segment.js';
import { readPageLimit } from './read-page-limit.js';
import { readQueryParameters } from './read-query-parameters.js';

/** The query parameters `GET /devices` takes. */
export const DEVICE_LIST_QUERY_PARAMETERS = ['appId', 'limit', 'after'] as const;

/** A page request for the device list, in the DeviceStore's terms. */
export interface DeviceListQuery {
  appId?: string;
  limit: number;
  /** Only key ids after this one (in byte order): the `next` of the previous page. */
  afterKeyId?: string;
}

/**
 * Reads the query string of `GET /devices`: `appId` (a configured app id's form), `limit`
 * (1-1000, default 100) and `after` (the key id the previous page ended with, percent-encoded).
 * Anything else, a repeated parameter or a bad value is refused with a `bad_request` naming the
 * parameter.
 *
 * @example
 * ```ts
 * readDeviceListQuery('appId=shop&limit=50&after=ab%2Bc'); // { appId: 'shop', limit: 50, afterKeyId: 'ab+c' }
 * ```
 */
export function readDeviceListQuery(query: string): DeviceListQuery {
  const parameters = readQueryParameters(query, DEVICE_LIST_QUERY_PARAMETERS);
  const result: DeviceListQuery = { limit: readPageLimit(parameters.get('limit')) };
  const appId = parameters.get('appId');
  if (appId !== undefined) {
    if (!FORMATS.appId.pattern.test(appId)) {
      throw adminError('admin_query_parameter_invalid', { message: `appId: ${FORMATS.appId.message}` });
    }
    result.appId = appId;
  }
  const after = parameters.get('after');
  if (after !== undefined) {
    if (!isKeyId(after)) {
      throw adminError('admin_query_parameter_invalid', {
        message: 'after must be a device key id (the next value of the previous page)',
      });
    }
    result.afterKeyId = after;
  }
  return result;
}

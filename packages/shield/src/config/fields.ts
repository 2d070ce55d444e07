import { isIP } from 'node:net';
import { z } from 'zod';
import type { ConfigIssueCode } from './config-issue-codes.js';

/**
 * Building blocks of the config schema. Messages never echo the value (it may be a resolved
 * secret); the formatted issue names the position and the setting instead.
 */

interface Format {
  pattern: RegExp;
  message: string;
  fix: string;
  /** Issue code when not `invalid_format`. */
  code?: ConfigIssueCode;
}

/** String forms, each with the message and fix reported when a value does not match. */
export const FORMATS = {
  integer: {
    pattern: /^(?:0|[1-9][0-9]{0,15})$/,
    message: 'must be an integer',
    fix: `write a whole number such as 8080 (a \${env:NAME} reference must hold only digits)`,
    code: 'wrong_type',
  },
  appId: {
    pattern: /^[a-z0-9][a-z0-9._-]{0,63}$/,
    message: 'app ids are 1-64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
    fix: 'rename the app, e.g. shop or com.example.shop',
  },
  routeId: {
    pattern: /^[a-z0-9][a-z0-9._-]{0,63}$/,
    message:
      'route ids are 1-64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
    fix: 'rename the route, e.g. payments-session',
  },
  secretName: {
    pattern: /^[A-Za-z0-9_]{1,64}$/,
    message: 'secret names are 1-64 letters, digits or "_"',
    fix: 'rename the secret, e.g. stripe_api_key',
  },
  instanceId: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    message: 'instanceId is 1-64 letters, digits, ".", "_" or "-"',
    fix: `use a short name such as shield-1 (or \${env:HOSTNAME})`,
  },
  audience: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,255}$/,
    message: 'audiences are 1-256 letters, digits, ".", "_", ":", "/" or "-"',
    fix: 'name the API the token is for, e.g. shop-api or https://api.example.com',
  },
  teamId: {
    pattern: /^[A-Z0-9]{10}$/,
    message: 'an Apple Team ID is 10 upper-case letters or digits',
    fix: 'copy the Team ID from the Apple Developer account (Membership details), e.g. ABCDE12345',
  },
  bundleId: {
    pattern: /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/,
    message: 'a bundle id is reverse-DNS: letters, digits and "-" in dot-separated parts',
    fix: 'use the app’s bundle identifier from Xcode, e.g. com.example.shop',
  },
  packageName: {
    pattern: /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+$/,
    message: 'an Android package name is dot-separated Java identifiers',
    fix: 'use the applicationId from build.gradle, e.g. com.example.shop',
  },
  certSha256: {
    pattern: /^(?:[0-9A-Fa-f]{64}|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31})$/,
    message: 'a signing certificate digest is a SHA-256: 64 hex digits, with or without ":" between bytes',
    fix: 'copy the SHA-256 certificate fingerprint from the Play Console (App integrity) or `keytool -list -v`',
  },
  sha256Hex: {
    pattern: /^[0-9A-Fa-f]{64}$/,
    message: 'must be a SHA-256 digest: 64 hex digits',
    fix: 'store the hash, never the token: `printf %s "$TOKEN" | sha256sum`',
  },
  debugTokenName: {
    pattern: /^[a-z0-9][a-z0-9._-]{0,63}$/,
    message: 'debug token names are 1-64 lower-case letters, digits, ".", "_" or "-"',
    fix: 'name the holder of the token, e.g. ci or device-farm',
  },
  method: {
    pattern: /^[A-Z][A-Z-]{0,31}$/,
    message: 'methods are upper-case tokens such as GET or POST',
    fix: 'write the method in upper case, e.g. POST',
  },
  headerName: {
    pattern: /^[a-z0-9!#$%&'*+.^_`|~-]{1,128}$/,
    message: 'header names are written in lower case and use only token characters',
    fix: 'write the header name in lower case, e.g. x-api-key',
  },
  duration: {
    pattern: /^[1-9][0-9]{0,6}[smhd]$/,
    message: 'a duration is a number followed by s, m, h or d (or a number of seconds)',
    fix: 'write e.g. 30s, 15m, 1h or 1d',
  },
} as const satisfies Record<string, Format>;

/** The format whose message is `message`, to find its fix and code from a reported issue. */
export function formatByMessage(message: string): Format | undefined {
  return Object.values(FORMATS).find((format: Format) => format.message === message);
}

/** A string that must match one of the named FORMATS. */
export function formatted(name: keyof typeof FORMATS): z.ZodString {
  const format: Format = FORMATS[name];
  return z.string().regex(format.pattern, { error: format.message });
}

/**
 * Refinement options for rules that read several fields: run only when everything below parsed
 * cleanly (zod otherwise runs them after non-aborting issues, on half-valid data).
 */
export const WHEN_VALID = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** Minimal view of zod's refinement context: all the rules need. */
export interface IssueSink {
  addIssue(issue: {
    code: 'custom';
    path: PropertyKey[];
    message: string;
    params: Record<string, unknown>;
  }): void;
}

/** A cross-field or semantic problem reported from a refinement. */
export interface RuleIssue {
  /** Relative to the schema the refinement is attached to. */
  path: PropertyKey[];
  code: ConfigIssueCode;
  message: string;
  fix: string;
  /** Text to look for inside the value's source, to point at the exact column. */
  needle?: string;
}

/** Reports a rule violation in a form the loader turns into a located ConfigIssue. */
export function reportIssue(ctx: IssueSink, issue: RuleIssue): void {
  ctx.addIssue({
    code: 'custom',
    path: issue.path,
    message: issue.message,
    params: { configCode: issue.code, fix: issue.fix, needle: issue.needle },
  });
}

function integerInput(min: number, max: number) {
  return z.union([z.int().min(min).max(max), formatted('integer')]);
}

/**
 * An integer in [min, max]. A string of digits is accepted too, so a value can come from a
 * `${env:NAME}` reference (references always produce strings).
 */
export function intField(min: number, max: number) {
  return integerInput(min, max)
    .transform((value) => Number(value))
    .pipe(z.int().min(min).max(max));
}

/** intField with a default (shown in the JSON Schema). */
export function intFieldWithDefault(min: number, max: number, fallback: number) {
  return integerInput(min, max)
    .default(fallback)
    .transform((value) => Number(value))
    .pipe(z.int().min(min).max(max));
}

/** An optional intField. */
export function optionalIntField(min: number, max: number) {
  return integerInput(min, max)
    .optional()
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .pipe(z.int().min(min).max(max).optional());
}

const DURATION_UNITS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** A duration written as `30s`/`15m`/`1h`/`1d` or a number of seconds; yields seconds. */
export function durationSeconds(min: number, max: number) {
  return z
    .union([z.int().min(min).max(max), formatted('duration')])
    .transform((value) => {
      if (typeof value === 'number') return value;
      const unit = value.slice(-1) as keyof typeof DURATION_UNITS;
      return Number(value.slice(0, -1)) * DURATION_UNITS[unit];
    })
    .pipe(z.int().min(min).max(max));
}

/** The URL, or undefined when `value` is not an absolute URL. */
export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** True for a URL host name that stays on this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHostname(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.(?:0|[1-9][0-9]{0,2})){3}$/.test(hostname)
  );
}

interface UrlRules {
  protocols: readonly string[];
  /** Issue code for a URL of the wrong kind (protocol, credentials, query). */
  code: ConfigIssueCode;
  allowCredentials: boolean;
  allowQuery: boolean;
  example: string;
}

/** An absolute URL checked against `rules`; reported without echoing the value. */
export function urlField(rules: UrlRules) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const url = parseUrl(value);
      if (url === undefined) {
        reportIssue(ctx, {
          path: [],
          code: 'invalid_format',
          message: 'must be an absolute URL',
          fix: `write a full URL such as ${rules.example}`,
        });
        return;
      }
      const protocol = url.protocol.slice(0, -1);
      if (!rules.protocols.includes(protocol)) {
        reportIssue(ctx, {
          path: [],
          code: rules.code,
          message: `the URL scheme must be ${rules.protocols.join(' or ')}`,
          fix: `write a URL such as ${rules.example}`,
        });
        return;
      }
      if (url.hostname === '') {
        reportIssue(ctx, {
          path: [],
          code: rules.code,
          message: 'the URL has no host',
          fix: `write a URL such as ${rules.example}`,
        });
      }
      if (!rules.allowCredentials && (url.username !== '' || url.password !== '' || value.includes('@'))) {
        reportIssue(ctx, {
          path: [],
          code: rules.code,
          message: 'the URL must not carry user information (user:password@)',
          fix: `remove the credentials from the URL; inject them as a header with \${secret:NAME}`,
        });
      }
      if (
        !rules.allowQuery &&
        (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#'))
      ) {
        reportIssue(ctx, {
          path: [],
          code: rules.code,
          message: 'the URL must not carry a query (?) or fragment (#)',
          fix: 'remove everything from the first ? or #',
        });
      }
    })
    .meta({ format: 'uri' });
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A listen address: an IPv4/IPv6 literal or a host name. */
export function hostField() {
  return z.string().superRefine((value, ctx) => {
    if (isIP(value) === 0 && !HOSTNAME.test(value)) {
      reportIssue(ctx, {
        path: [],
        code: 'invalid_format',
        message: 'must be an IP address or a host name',
        fix: 'write e.g. 127.0.0.1, ::1 or 0.0.0.0 (IPv6 without brackets)',
      });
    }
  });
}

/** An IP address or CIDR block (`10.0.0.0/8`, `fd00::/8`). */
export function ipOrCidrField() {
  return z.string().superRefine((value, ctx) => {
    const [address = '', prefix, extra] = value.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk =
      prefix === undefined || (/^(?:0|[1-9][0-9]{0,2})$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || extra !== undefined || !prefixOk) {
      reportIssue(ctx, {
        path: [],
        code: 'invalid_format',
        message: 'must be an IP address or a CIDR block',
        fix: 'write e.g. 10.0.0.1, 10.0.0.0/8 or fd00::/8',
      });
    }
  });
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Epoch milliseconds of an ISO date (`2027-01-01`, midnight UTC) or date-time with offset, or undefined. */
export function parseIsoDate(value: string): number | undefined {
  const match = ISO_DATE.exec(value);
  if (match === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = match;
  const ms = Date.parse(match[4] === undefined ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2027-02-30 over to March: check the fields survived.
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  const sameDate =
    check.getUTCFullYear() === Number(y) &&
    check.getUTCMonth() === Number(mo) - 1 &&
    check.getUTCDate() === Number(d);
  return sameDate && Number(h) < 24 && Number(mi) < 60 && Number(s) < 60 ? ms : undefined;
}

/** An ISO 8601 date or date-time with offset. */
export function isoDateField() {
  return z.string().superRefine((value, ctx) => {
    if (parseIsoDate(value) === undefined) {
      reportIssue(ctx, {
        path: [],
        code: 'invalid_format',
        message: 'must be an ISO date (YYYY-MM-DD) or date-time with offset',
        fix: 'write e.g. 2027-01-01 or 2027-01-01T12:00:00Z',
      });
    }
  });
}

/** Reports every value that repeats an earlier one in the list. */
export function reportDuplicates(
  ctx: IssueSink,
  values: readonly string[],
  path: PropertyKey[],
  what: string,
): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) {
      reportIssue(ctx, {
        path: [...path, index],
        code: 'duplicate_value',
        message: `this ${what} is already listed`,
        fix: 'remove the duplicate entry',
      });
    }
    seen.add(value);
  });
}

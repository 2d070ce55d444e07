import type { JudgeContext, Verdict } from './secret-rule.js';

/** A token that lives longer than this (or forever) is a standing credential, not a sample. */
const LONG_LIVED_SECONDS = 24 * 60 * 60;

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Judges a JWT found in an app: Supabase anon keys are public by design (information), service-role
 * keys are critical, tokens without expiry or living longer than a day are high, short-lived ones
 * (a developer's leftover session) are low. Anything that does not decode as a JWS is dropped.
 */
export function judgeJwt(token: string, context: JudgeContext): Verdict | null {
  const [headerPart = '', payloadPart = ''] = token.split('.');
  const header = decodeJson(headerPart);
  const payload = decodeJson(payloadPart);
  if (header === null || payload === null || typeof header['alg'] !== 'string') return null;
  const role = payload['role'];
  const issuer = typeof payload['iss'] === 'string' ? payload['iss'] : '';
  if (issuer.includes('supabase') || role === 'anon' || role === 'service_role') {
    if (role === 'anon') {
      return {
        severity: 'info',
        title: 'Supabase anon key (public by design)',
        fix: 'Meant to ship in apps: make sure row-level security protects every table it can reach.',
      };
    }
    if (role === 'service_role') {
      return {
        severity: 'critical',
        title: 'Supabase service-role key',
        fix: 'It bypasses row-level security: rotate the JWT secret now and call Supabase with this key only from your backend or the shield.',
      };
    }
  }
  const exp = typeof payload['exp'] === 'number' ? payload['exp'] : null;
  const iat = typeof payload['iat'] === 'number' ? payload['iat'] : null;
  if (exp === null) return { title: 'JWT without expiry', severity: 'high' };
  const start = iat ?? Math.floor(context.now.getTime() / 1000);
  if (exp - start > LONG_LIVED_SECONDS) return { title: 'Long-lived JWT', severity: 'high' };
  return { title: 'Short-lived JWT', severity: 'low' };
}

import { shannonEntropy } from './entropy.js';
import type { JudgeContext, Verdict } from './secret-rule.js';

/** Names that hold a secret: the part a generic finding must have. */
const SECRET_NAME = /secret|passw|token|api[-_]?key/i;
/** Names that look secret but hold something else (a token's type, a key's URL, a public key). */
const NOT_SECRET_NAME =
  /public|publishable|anon|format|pattern|regex|placeholder|hint|label|message|title|text|header|prefix|url|uri|endpoint|path|type|expir|length|size|timeout|ttl|count|field|param|name|key_?id|_id$|enabled|required/i;
/** Values that are placeholders, references or code rather than a secret. */
const NOT_SECRET_VALUE =
  /^(?:x{4,}|\*+|\.+|<.*>|\$\{.*\}|\{\{.*\}\}|%.*%)|your[_-]|change[_-]?me|example|placeholder|dummy|sample|redacted|process\.env|BuildConfig\.|:\/\/|^\//i;
const MEMBER_ACCESS = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

/** Least Shannon entropy (bits per character) of a value a secret-looking name holds. */
export const GENERIC_MIN_ENTROPY = 3.2;

/**
 * Judges `name = "value"`: the name must say secret, token, password or API key, and the value
 * must look random (entropy, letters and digits) rather than a word, a reference or a placeholder.
 */
export function judgeGeneric(value: string, context: JudgeContext): Verdict | null {
  const name = context.match.groups?.['name'] ?? '';
  if (!SECRET_NAME.test(name) || NOT_SECRET_NAME.test(name)) return null;
  if (value.length < 16 || NOT_SECRET_VALUE.test(value) || MEMBER_ACCESS.test(value)) return null;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return null;
  if (shannonEntropy(value) < GENERIC_MIN_ENTROPY) return null;
  return { title: `High-entropy value in "${name.slice(0, 40)}"` };
}

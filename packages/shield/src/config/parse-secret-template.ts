import { scanReferences } from './scan-references.js';

/** A piece of an injected header value: literal text, or the value of a declared secret. */
export type SecretTemplatePart = { type: 'text'; text: string } | { type: 'secret'; name: string };

/**
 * Splits a loaded `routes[].inject.headers` value into text and `${secret:NAME}` placeholders,
 * for the gateway to fill in per request. In these values `$${` stands for a literal `${` (the
 * loader escapes any `${` that came from an environment variable or file, so resolved values are
 * never read as placeholders). Returns undefined for a value that is not a valid template (the
 * loader refuses such configs, so a loaded config always parses).
 *
 * @example
 * ```ts
 * parseSecretTemplate(`Bearer \${secret:stripe}`);
 * // [{ type: 'text', text: 'Bearer ' }, { type: 'secret', name: 'stripe' }]
 * ```
 */
export function parseSecretTemplate(value: string): SecretTemplatePart[] | undefined {
  const scanned = scanReferences(value);
  if (!scanned.ok) return undefined;
  const parts: SecretTemplatePart[] = [];
  for (const part of scanned.parts) {
    if (part.type === 'text') parts.push({ type: 'text', text: part.text });
    else if (part.kind === 'secret') parts.push({ type: 'secret', name: part.name });
    else return undefined;
  }
  return parts;
}

import type { InjectTemplate } from './types.js';

/** A header value template parsed once: literal parts and secret references, in order. */
export interface CompiledInjectTemplate {
  /** Names of the secrets the template refers to, in order of appearance. */
  readonly secretNames: readonly string[];
  /**
   * Builds the header value, resolving each secret now. Every resolved secret value is pushed to
   * `secretsOut` (so responses can be checked for echoes). Throws a plain Error without any
   * secret material when a secret is unknown, empty, or would make an invalid header value.
   */
  render(resolveSecret: (name: string) => string, secretsOut: string[]): string;
}

const REFERENCE = /\$\{([^}]*)\}/g;
const SECRET_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** Field-value characters (RFC 9110 §5.5): no CR, LF, NUL or other controls except HTAB. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Parses a header value template such as `'Bearer ${secret:stripe}'`. Only `${secret:NAME}`
 * references are allowed (NAME: letters, digits, `_`, `.`, `-`); anything else in `${...}`, or a
 * literal part that is not a valid header value, throws a TypeError naming `where`.
 *
 * @example
 * const t = compileInjectTemplate('Bearer ${secret:stripe}', 'routes[0].inject.headers.authorization');
 * t.render((name) => secrets[name], []); // 'Bearer sk_live_...'
 */
export function compileInjectTemplate(template: InjectTemplate, where: string): CompiledInjectTemplate {
  if (typeof template !== 'string') throw new TypeError(`${where} must be a string template`);
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of template.matchAll(REFERENCE)) {
    const body = match[1] ?? '';
    const name = body.startsWith('secret:') ? body.slice('secret:'.length) : '';
    if (!SECRET_NAME.test(name)) {
      throw new TypeError(
        `${where}: only \${secret:NAME} references are allowed (NAME: letters, digits, _ . -)`,
      );
    }
    literals.push(template.slice(last, match.index));
    names.push(name);
    last = match.index + match[0].length;
  }
  literals.push(template.slice(last));
  for (const literal of literals) {
    if (literal.includes('${') || !HEADER_VALUE.test(literal)) {
      throw new TypeError(`${where}: the literal text is not a valid header value`);
    }
  }
  if (names.length === 0 && template.trim() === '')
    throw new TypeError(`${where}: an injected header cannot be empty`);

  const first = literals[0] ?? '';
  return {
    secretNames: names,
    render(resolveSecret, secretsOut) {
      let value = first;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        let secret: unknown;
        try {
          secret = resolveSecret(name);
        } catch {
          throw new Error(`secret "${name}" could not be resolved`);
        }
        if (typeof secret !== 'string' || secret === '' || !HEADER_VALUE.test(secret)) {
          throw new Error(`secret "${name}" is empty or not a valid header value`);
        }
        secretsOut.push(secret);
        value += secret + literals[i + 1];
      }
      return value;
    },
  };
}

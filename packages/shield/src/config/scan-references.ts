/**
 * The reference grammar of config values. In any string value:
 * - `${env:NAME}`: the environment variable NAME (`[A-Za-z_][A-Za-z0-9_]*`);
 * - `${file:PATH}`: the content of the file PATH (relative to the config file's folder), with
 *   trailing newlines removed;
 * - `${secret:NAME}`: a declared secret, kept as a placeholder and filled in by the gateway
 *   (only in `routes[].inject.headers` values);
 * - `$${` stands for a literal `${`.
 * Anything else after `${` is an error, so a typo never passes through as literal text.
 */

export type ReferenceKind = 'env' | 'file' | 'secret';

export type TemplatePart =
  | { type: 'text'; text: string }
  | {
      type: 'reference';
      kind: ReferenceKind;
      name: string /** The reference as written, e.g. `${env:X}`. */;
      source: string;
    };

export type ScanResult =
  | { ok: true; parts: TemplatePart[] }
  | { ok: false; message: string; fix: string /** The offending text, to locate it. */; source: string };

const NAME_RULES: Record<ReferenceKind, { pattern: RegExp; what: string }> = {
  env: {
    pattern: /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    what: 'an environment variable name ([A-Za-z_][A-Za-z0-9_]*)',
  },
  secret: { pattern: /^[A-Za-z0-9_]{1,64}$/, what: 'a secret name ([A-Za-z0-9_]+)' },
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  file: { pattern: /^[^\u0000-\u001f\u007f}]{1,4096}$/, what: 'a file path without control characters' },
};

/** Splits a string value into literal text and references, or says why it cannot. */
export function scanReferences(value: string): ScanResult {
  const parts: TemplatePart[] = [];
  let text = '';
  let index = 0;
  while (index < value.length) {
    if (value.startsWith(`$\${`, index)) {
      text += `\${`;
      index += 3;
      continue;
    }
    if (!value.startsWith(`\${`, index)) {
      text += value[index];
      index += 1;
      continue;
    }
    const close = value.indexOf('}', index + 2);
    if (close === -1) {
      return {
        ok: false,
        message: `a "\${" reference is not closed with "}"`,
        fix: `close the reference, or write a literal "\${" as "$\${"`,
        source: value.slice(index, index + 40),
      };
    }
    const source = value.slice(index, close + 1);
    const inner = value.slice(index + 2, close);
    const colon = inner.indexOf(':');
    const kind = inner.slice(0, colon);
    const name = inner.slice(colon + 1);
    if (colon === -1 || (kind !== 'env' && kind !== 'file' && kind !== 'secret')) {
      return {
        ok: false,
        message: `unknown reference kind: only \${env:NAME}, \${file:PATH} and \${secret:NAME} exist`,
        fix: `correct the reference, or write a literal "\${" as "$\${"`,
        source,
      };
    }
    const rule = NAME_RULES[kind];
    if (!rule.pattern.test(name)) {
      return {
        ok: false,
        message: `\${${kind}:...} needs ${rule.what}`,
        fix: 'correct the name inside the reference',
        source,
      };
    }
    if (text !== '') parts.push({ type: 'text', text });
    text = '';
    parts.push({ type: 'reference', kind, name, source });
    index = close + 1;
  }
  if (text !== '') parts.push({ type: 'text', text });
  return { ok: true, parts };
}

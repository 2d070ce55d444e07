/**
 * A string as a YAML double-quoted scalar that the loader reads back unchanged: JSON string
 * syntax is valid YAML, and `${` is escaped so the value is never taken for a reference.
 */
export function yamlText(value: string): string {
  // A function replacement: in a replacement string, "$$" would collapse to "$".
  return JSON.stringify(value.replaceAll(`\${`, () => `$\${`));
}

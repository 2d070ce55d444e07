/**
 * Orders strings by their UTF-8 bytes, the order SQLite's BINARY and PostgreSQL's "C" collation
 * use, so `list` pages the same way on every adapter.
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

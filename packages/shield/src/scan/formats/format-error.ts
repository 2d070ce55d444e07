/** A file that claims a format (by its magic bytes) but does not hold together. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
}

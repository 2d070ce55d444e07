/** One step of a JSON path. */
export type JsonPathSegment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'each' }
  | { kind: 'length' };

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}/;
const MAX_PATH = 256;
const MAX_SEGMENTS = 16;

/**
 * Parses the small JSON path dialect of cost and field paths: `$`, then any of `.name`,
 * `[index]` and `[*]` (every element of an array); a last `.length` means an array's length, never
 * a member called `length`. Returns null for anything else, so a typo in config is refused when
 * the limits are built instead of silently counting nothing.
 *
 * @example
 * ```ts
 * parseJsonPath('$.personalizations[*].to');
 * // [{ kind: 'name', name: 'personalizations' }, { kind: 'each' }, { kind: 'name', name: 'to' }]
 * ```
 */
export function parseJsonPath(path: string): JsonPathSegment[] | null {
  if (typeof path !== 'string' || path.length > MAX_PATH || !path.startsWith('$')) return null;
  const segments: JsonPathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    if (segments.length >= MAX_SEGMENTS) return null;
    if (rest.startsWith('.')) {
      const name = NAME.exec(rest.slice(1))?.[0];
      if (name === undefined) return null;
      segments.push({ kind: 'name', name });
      rest = rest.slice(1 + name.length);
    } else if (rest.startsWith('[*]')) {
      segments.push({ kind: 'each' });
      rest = rest.slice(3);
    } else {
      const index = /^\[(0|[1-9][0-9]{0,5})\]/.exec(rest);
      if (index === null) return null;
      segments.push({ kind: 'index', index: Number(index[1]) });
      rest = rest.slice(index[0].length);
    }
  }
  const last = segments[segments.length - 1];
  if (last?.kind === 'name' && last.name === 'length') segments[segments.length - 1] = { kind: 'length' };
  return segments;
}

/** Returned by `SecretMatcher.scan` when a needle has just been completed. */
export const SECRET_FOUND = -1;

/**
 * A multi-needle matcher over an ASCII case-folded byte stream. State is a plain number carried
 * from one chunk to the next, so a needle split across chunks (at any offset) is found.
 */
export interface SecretMatcher {
  /** The state before any byte. */
  readonly initial: number;
  /** Length of the longest needle, bytes. */
  readonly longest: number;
  /**
   * Feeds `bytes` from `state`: returns the state after them, or SECRET_FOUND as soon as a needle
   * ends (the rest is not read).
   */
  scan(state: number, bytes: Uint8Array): number;
  /**
   * How many of the bytes fed so far could still begin a needle: the length of the longest
   * suffix of the stream that is a prefix of some needle. Always below `longest`.
   */
  pending(state: number): number;
  /** True when `text` (one char per byte, as Latin-1 header values are) contains a needle. */
  foundIn(text: string): boolean;
}

/**
 * Builds an Aho-Corasick automaton for `needles` (already case-folded, at least one, none empty)
 * as a dense transition table over the byte classes the needles use; upper-case ASCII letters
 * share the class of their lower-case letter, every byte no needle holds shares class 0. States
 * are numbered so that every accepting state comes after every other one, and transitions store
 * the target's row offset: the inner loop is one table read and one comparison per byte.
 */
export function compileSecretMatcher(needles: readonly Uint8Array[]): SecretMatcher {
  if (needles.length === 0 || needles.some((n) => n.length === 0))
    throw new TypeError('needles must be non-empty');
  // Uint16: a class per distinct byte of the needles, plus class 0 for every other byte.
  const classOf = new Uint16Array(256);
  let classes = 1;
  for (const needle of needles) {
    for (const byte of needle) if (classOf[byte] === 0) classOf[byte] = classes++;
  }
  for (let upper = 0x41; upper <= 0x5a; upper++) {
    const lower = classOf[upper | 0x20]!;
    if (lower !== 0) classOf[upper] = lower;
  }

  // Trie: goto[node * classes + class] (0 = none; the root is node 0 and is never a target).
  const goto: number[] = [];
  const depth: number[] = [0];
  const terminal: boolean[] = [false];
  for (let c = 0; c < classes; c++) goto.push(0);
  let longest = 0;
  for (const needle of needles) {
    longest = Math.max(longest, needle.length);
    let node = 0;
    for (const byte of needle) {
      const at = node * classes + classOf[byte]!;
      if (goto[at] === 0) {
        const next = depth.length;
        depth.push(depth[node]! + 1);
        terminal.push(false);
        for (let c = 0; c < classes; c++) goto.push(0);
        goto[at] = next;
      }
      node = goto[at]!;
    }
    terminal[node] = true;
  }

  // Breadth-first: failure links, accepting = terminal or accepting failure, full transitions.
  const nodes = depth.length;
  const delta = new Int32Array(nodes * classes);
  const fail = new Int32Array(nodes);
  const accepting = terminal.slice();
  const order: number[] = [];
  for (let c = 0; c < classes; c++) {
    const child = goto[c]!;
    delta[c] = child;
    if (child !== 0) order.push(child);
  }
  for (let head = 0; head < order.length; head++) {
    const node = order[head]!;
    if (accepting[fail[node]!]) accepting[node] = true;
    for (let c = 0; c < classes; c++) {
      const child = goto[node * classes + c]!;
      const viaFail = delta[fail[node]! * classes + c]!;
      if (child === 0) {
        delta[node * classes + c] = viaFail;
      } else {
        delta[node * classes + c] = child;
        fail[child] = viaFail;
        order.push(child);
      }
    }
  }

  // Renumber: non-accepting states first (the root stays 0), accepting ones after `limit`.
  const renumbered = new Int32Array(nodes);
  let live = 0;
  for (let n = 0; n < nodes; n++) if (!accepting[n]) renumbered[n] = live++;
  let done = live;
  for (let n = 0; n < nodes; n++) if (accepting[n]) renumbered[n] = done++;
  const table = new Int32Array(live * classes);
  const pendingByRow = new Int32Array(live);
  for (let n = 0; n < nodes; n++) {
    if (accepting[n]) continue;
    const row = renumbered[n]! * classes;
    pendingByRow[renumbered[n]!] = depth[n]!;
    for (let c = 0; c < classes; c++) {
      const target = delta[n * classes + c]!;
      table[row + c] = accepting[target] ? live * classes : renumbered[target]! * classes;
    }
  }
  const limit = live * classes;

  return {
    initial: 0,
    longest,
    scan(state, bytes) {
      let s = state;
      for (let i = 0; i < bytes.length; i++) {
        s = table[s + classOf[bytes[i]!]!]!;
        if (s >= limit) return SECRET_FOUND;
      }
      return s;
    },
    pending(state) {
      return pendingByRow[state / classes]!;
    },
    foundIn(text) {
      let s = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        s = table[s + (code < 256 ? classOf[code]! : 0)]!;
        if (s >= limit) return true;
      }
      return false;
    },
  };
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

interface HeapNode<V> {
  readonly expiresAt: number;
  readonly key: string;
  readonly entry: Entry<V>;
}

/**
 * A map of entries that expire, holding at most `maxEntries`. Expired entries are found through
 * a min-heap on `expiresAt`, so a sweep costs O(expired · log n) rather than a scan of the whole
 * map. It never drops a live entry: when it is full of live entries `set` reports false and the
 * caller refuses the new entry (a dropped replay key would let a replay through).
 */
export class BoundedExpiryMap<V> {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry<V>>();
  // May hold stale nodes for entries already taken or replaced; they are skipped when popped and
  // the heap is rebuilt when stale nodes outnumber live ones.
  #heap: HeapNode<V>[] = [];

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry when present and live at `now` (expiresAt > now); an expired entry is removed. */
  live(key: string, now: number): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  /** Removes the entry and returns it, expired or not. */
  take(key: string): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#entries.delete(key);
    return entry;
  }

  /**
   * Adds or replaces an entry. When the map is full, entries expired at `sweepAt` are removed
   * first; returns false (and changes nothing) when it is still full.
   */
  set(key: string, value: V, expiresAt: number, sweepAt: number): boolean {
    if (!this.#entries.has(key) && this.#entries.size >= this.#maxEntries) {
      this.sweep(sweepAt);
      if (this.#entries.size >= this.#maxEntries) return false;
    }
    const entry: Entry<V> = { value, expiresAt };
    this.#entries.set(key, entry);
    this.#push({ expiresAt, key, entry });
    if (this.#heap.length > 2 * this.#entries.size + 64) this.#rebuild();
    return true;
  }

  /** Removes every entry expired at `now` (expiresAt <= now); returns how many were removed. */
  sweep(now: number): number {
    let removed = 0;
    for (let top = this.#heap[0]; top !== undefined && top.expiresAt <= now; top = this.#heap[0]) {
      this.#pop();
      if (this.#entries.get(top.key) === top.entry) {
        this.#entries.delete(top.key);
        removed += 1;
      }
    }
    return removed;
  }

  clear(): void {
    this.#entries.clear();
    this.#heap = [];
  }

  #rebuild(): void {
    this.#heap = [];
    for (const [key, entry] of this.#entries) this.#push({ expiresAt: entry.expiresAt, key, entry });
  }

  #push(node: HeapNode<V>): void {
    const heap = this.#heap;
    heap.push(node);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.expiresAt <= node.expiresAt) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = node;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.expiresAt < heap[left]!.expiresAt ? right : left;
      if (heap[child]!.expiresAt >= last.expiresAt) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

import { generatedConfigJsonSchema, type JsonSchema } from './config-json-schema.js';
import type { PathSegment } from './decode-config-yaml.js';

let cached: JsonSchema | undefined;

function schemaRoot(): JsonSchema {
  cached ??= generatedConfigJsonSchema();
  return cached;
}

function branches(node: JsonSchema): JsonSchema[] {
  const options = [
    ...((node['anyOf'] as JsonSchema[] | undefined) ?? []),
    ...((node['oneOf'] as JsonSchema[] | undefined) ?? []),
  ];
  return [node, ...options.flatMap(branches)];
}

/** The keys the schema allows in the mapping at `path` (all union branches together). */
export function knownKeysAt(path: readonly PathSegment[]): string[] {
  let nodes = branches(schemaRoot());
  for (const segment of path) {
    const next: JsonSchema[] = [];
    for (const node of nodes) {
      const properties = node['properties'] as Record<string, JsonSchema> | undefined;
      const additional = node['additionalProperties'];
      const items = node['items'];
      if (typeof segment === 'number' && typeof items === 'object' && items !== null)
        next.push(items as JsonSchema);
      else if (properties !== undefined && Object.hasOwn(properties, segment))
        next.push(properties[segment] as JsonSchema);
      else if (typeof additional === 'object' && additional !== null) next.push(additional as JsonSchema);
    }
    nodes = next.flatMap(branches);
  }
  const keys = new Set<string>();
  for (const node of nodes) {
    const properties = node['properties'];
    if (typeof properties === 'object' && properties !== null)
      for (const key of Object.keys(properties)) keys.add(key);
  }
  return [...keys];
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known key an unknown one was most likely meant to be, if any is close enough. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  let best: { key: string; score: number } | undefined;
  for (const key of known) {
    const candidate = key.toLowerCase();
    const score = candidate === lower ? 0 : distance(lower, candidate);
    const close =
      score <= Math.max(1, Math.floor(unknown.length / 3)) ||
      (lower.length >= 4 && candidate.startsWith(lower));
    if (close && (best === undefined || score < best.score)) best = { key, score };
  }
  return best?.key;
}

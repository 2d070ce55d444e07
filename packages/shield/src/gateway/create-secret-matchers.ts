import { compileSecretMatcher, type SecretMatcher } from './compile-secret-matcher.js';
import { secretForms } from './secret-forms.js';

/** Distinct secret sets kept compiled; a rotation adds one, so this only bounds a rotation storm. */
const MAX_ENTRIES = 64;

/**
 * A cache of compiled matchers by set of secret values: every form (`secretForms`) of every
 * secret of the set in one automaton. Secrets are resolved per request (a rotated secret is used
 * at once), so the set is looked up per request and compiled only the first time it is seen.
 * When the cache is full it starts over: a shield holds few distinct sets.
 *
 * @example
 * const matchers = createSecretMatchers();
 * const matcher = matchers(['sk_live_abc']);
 */
export function createSecretMatchers(): (secrets: readonly string[]) => SecretMatcher {
  const cache = new Map<string, SecretMatcher>();
  return (secrets) => {
    // Secret values are header-safe: no control characters, so "\n" cannot occur inside one.
    const key = secrets.length === 1 ? secrets[0]! : secrets.join('\n');
    let matcher = cache.get(key);
    if (matcher === undefined) {
      matcher = compileSecretMatcher(secrets.flatMap(secretForms));
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(key, matcher);
    }
    return matcher;
  };
}

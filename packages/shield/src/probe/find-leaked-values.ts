import type { HttpResponse } from './http/read-http-responses.js';
import type { SensitiveValue } from './route-facts.js';

/** Where a sensitive value was seen in an answer. */
export interface Leak {
  label: string;
  kind: SensitiveValue['kind'];
  /** `header x-echo-authorization` or `body`. */
  place: string;
}

/** The spellings an echo commonly gives a value: as it is, base64, base64url, hex, percent-encoded. */
function spellings(value: string): string[] {
  const bytes = Buffer.from(value, 'latin1');
  const forms = [
    value,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
  return [...new Set(forms)].filter((form) => form.length >= 8);
}

/**
 * Looks for each sensitive value, in its common spellings, in the response's header names and
 * values and in its body. Returns one entry per value and place; empty when nothing leaked.
 */
export function findLeakedValues(values: readonly SensitiveValue[], response: HttpResponse): Leak[] {
  const leaks: Leak[] = [];
  const body = response.body.toString('latin1');
  for (const sensitive of values) {
    const forms = spellings(sensitive.value);
    const lowerForms = forms.map((form) => form.toLowerCase());
    for (const [name, value] of response.headers) {
      if (forms.some((form) => value.includes(form)) || lowerForms.some((form) => name.includes(form))) {
        leaks.push({ label: sensitive.label, kind: sensitive.kind, place: `header ${name}` });
      }
    }
    if (forms.some((form) => body.includes(form))) {
      leaks.push({ label: sensitive.label, kind: sensitive.kind, place: 'body' });
    }
  }
  return leaks;
}

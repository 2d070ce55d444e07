import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileSecretMatcher } from './compile-secret-matcher.js';
import { MIN_BASE64_SLICE, secretForms } from './secret-forms.js';

// Secrets as a header can carry them: visible ASCII, space, tab and Latin-1 (what
// compileInjectTemplate accepts), weighted towards API-key characters.
const keyChar = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'abcXYZ019_-') },
  { weight: 2, arbitrary: fc.constantFrom(...'/+=.:~!*\'()"\\<>& %\t') },
  { weight: 1, arbitrary: fc.constantFrom('\u00e9', '\u00ff', '\u00a0') },
);
const secret = fc.string({ unit: keyChar, minLength: 8, maxLength: 48 });
const filler = fc.string({ unit: fc.constantFrom(...'ab:; /+=\n{}"'), maxLength: 12 });

/** How an upstream might write what it received, the secret somewhere inside. */
const encoders: Record<string, (around: string) => string> = {
  raw: (s) => s,
  // Letter case is folded for ASCII letters (API keys); `é` and `É` are different bytes.
  upper: (s) => s.replace(/[a-z]+/g, (letters) => letters.toUpperCase()),
  base64: (s) => Buffer.from(s).toString('base64'),
  base64Latin1: (s) => Buffer.from(s, 'latin1').toString('base64'),
  base64url: (s) => Buffer.from(s).toString('base64url'),
  base64InUrl: (s) => encodeURIComponent(Buffer.from(s).toString('base64')),
  base64InJson: (s) => JSON.stringify(Buffer.from(s).toString('base64')).replaceAll('/', '\\/'),
  encodeURIComponent: (s) => encodeURIComponent(s),
  formEncoded: (s) => new URLSearchParams({ h: s }).toString(),
  everyBytePercentUpper: (s) =>
    [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
  json: (s) => JSON.stringify({ authorization: s }),
  jsonSlash: (s) => JSON.stringify({ authorization: s }).replaceAll('/', '\\/'),
  jsonAllUnicode: (s) => [...s].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  hex: (s) => Buffer.from(s).toString('hex').toUpperCase(),
  utf16: (s) => Buffer.from(s, 'utf16le').toString('latin1'),
};

describe('secretForms', () => {
  for (const [name, encode] of Object.entries(encoders)) {
    test(`a secret inside ${name} output is found at any position`, () => {
      fc.assert(
        fc.property(secret, filler, filler, (value, before, after) => {
          const matcher = compileSecretMatcher(secretForms(value));
          const written = encode(`${before}${value}${after}`);
          // Body bytes: UTF-8 for text encoders, Latin-1 for the byte-string ones (utf16).
          const bytes = name === 'utf16' ? Buffer.from(written, 'latin1') : Buffer.from(written, 'utf8');
          assert.equal(matcher.scan(matcher.initial, bytes), -1, `${name}: ${JSON.stringify(written)}`);
        }),
        { numRuns: 300 },
      );
    });
  }

  test('ordinary bodies are not matched', () => {
    const catalog = JSON.stringify(
      Array.from({ length: 40 }, (_, i) => ({
        id: i,
        name: `item ${i}`,
        url: `https://shop.example/i/${i}`,
      })),
    );
    const page = '<html><head><title>Error</title></head><body><p>Try again later.</p></body></html>';
    const blob = createHash('sha512').update('portcullis').digest('base64').repeat(8);
    fc.assert(
      fc.property(secret, (value) => {
        const matcher = compileSecretMatcher(secretForms(value));
        for (const body of [catalog, page, blob])
          assert.equal(matcher.foundIn(body), false, body.slice(0, 40));
      }),
      { numRuns: 300 },
    );
  });

  test('base64 slices shorter than MIN_BASE64_SLICE are not looked for; the raw value always is', () => {
    const forms = secretForms('abc').map((form) => form.toString('latin1'));
    assert.ok(forms.includes('abc'));
    // base64('abc') is 'YWJj': 4 characters, which would match far too much.
    assert.ok(MIN_BASE64_SLICE > 4 && !forms.includes('ywjj'));
    assert.ok(secretForms('abcdefghijk').some((form) => form.toString('latin1') === 'ywjjzgvmz2hpam'));
  });
});

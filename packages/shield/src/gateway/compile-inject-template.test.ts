import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileInjectTemplate } from './compile-inject-template.js';
import { secretRef as ref } from './test-support/harness.js';

const secrets: Record<string, string> = { stripe: 'sk_live_abc', mail: 'key-123' };
const resolve = (name: string) => {
  const value = secrets[name];
  if (value === undefined) throw new Error(`no ${name}`);
  return value;
};

describe('compileInjectTemplate', () => {
  test('renders literals and secret references in order, reporting each secret value', () => {
    const template = compileInjectTemplate(`Bearer ${ref('stripe')}`, 'h');
    const seen: string[] = [];
    assert.equal(template.render(resolve, seen), 'Bearer sk_live_abc');
    assert.deepEqual(seen, ['sk_live_abc']);
    assert.deepEqual(template.secretNames, ['stripe']);
    const two = compileInjectTemplate(`${ref('stripe')}:${ref('mail')}!`, 'h');
    assert.equal(two.render(resolve, []), 'sk_live_abc:key-123!');
    assert.equal(compileInjectTemplate('static-value', 'h').render(resolve, []), 'static-value');
  });

  test('resolves per render, so a rotated secret is picked up', () => {
    const template = compileInjectTemplate(ref('stripe'), 'h');
    let value = 'one';
    assert.equal(
      template.render(() => value, []),
      'one',
    );
    value = 'two';
    assert.equal(
      template.render(() => value, []),
      'two',
    );
  });

  test('refuses other references, bad names and bad literal bytes at compile time', () => {
    for (const bad of [
      `$\{env:HOME}`,
      ref(''),
      ref('a b'),
      `$\{stripe}`,
      `x${ref('a').slice(0, -1)}`,
      'a\r\nb',
      'a\u0000',
      '',
      '   ',
    ]) {
      assert.throws(
        () => compileInjectTemplate(bad, 'routes[0].inject.headers.x'),
        (e: Error) => {
          assert.ok(e instanceof TypeError);
          assert.match(e.message, /routes\[0\]\.inject\.headers\.x/);
          return true;
        },
        JSON.stringify(bad),
      );
    }
  });

  test('an unknown, empty or header-breaking secret throws without its value in the message', () => {
    const template = compileInjectTemplate(`Bearer ${ref('x')}`, 'h');
    for (const value of ['', 'evil\r\nX-Injected: 1', 'a\u0000b']) {
      assert.throws(
        () => template.render(() => value, []),
        (e: Error) => {
          assert.ok(!e.message.includes('evil') && !e.message.includes('a\u0000b'));
          return true;
        },
      );
    }
    assert.throws(
      () =>
        template.render(() => {
          throw new Error('sk_live_should_not_leak');
        }, []),
      (e: Error) => !e.message.includes('sk_live'),
    );
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formHasMethodOverride,
  METHOD_OVERRIDE,
  scanRequestParameters,
  TOKEN_IN_COOKIE,
  TOKEN_IN_QUERY,
} from './scan-request-parameters.js';

const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzaG9wIn0.c2lnbmF0dXJl';

describe('scanRequestParameters', () => {
  test('finds token-named parameters and cookies in any casing or encoding', () => {
    assert.equal(scanRequestParameters('app_token=abc', null, null), TOKEN_IN_QUERY);
    assert.equal(scanRequestParameters('x=1&Portcullis-Token=abc', null, null), TOKEN_IN_QUERY);
    assert.equal(scanRequestParameters('portcullis%5Ftoken=abc', null, null), TOKEN_IN_QUERY);
    assert.equal(scanRequestParameters(null, 'a=1; APP_TOKEN=abc', null), TOKEN_IN_COOKIE);
  });

  test('finds the header token itself under any name', () => {
    assert.equal(scanRequestParameters(`t=${token}`, null, token), TOKEN_IN_QUERY);
    assert.equal(scanRequestParameters(null, `session=${token}`, token), TOKEN_IN_COOKIE);
    assert.equal(scanRequestParameters('t=abc', 'session=abc', 'abc'), 0, 'short values are not searched');
  });

  // A token under a name the list does not know reached the upstream of a public route.
  test('finds an app token under any name, as a value or a name, percent-encoded or not', () => {
    const header = Buffer.from('{"alg":"ES256","typ":"app+jwt","kid":"k1"}').toString('base64url');
    const appToken = `${header}.eyJzdWIiOiJzaG9wIn0.c2lnbmF0dXJlc2lnbmF0dXJl`;
    assert.equal(scanRequestParameters(`ref=${appToken}`, null, null), TOKEN_IN_QUERY);
    assert.equal(scanRequestParameters(`${appToken}&page=1`, null, null), TOKEN_IN_QUERY);
    assert.equal(
      scanRequestParameters(`r=x%20${appToken.replaceAll('.', '%2E')}`, null, null),
      TOKEN_IN_QUERY,
    );
    // Another JWT (no app+jwt typ), dotted names and decimals are not app tokens.
    assert.equal(scanRequestParameters(`id_token=${token}&host=api.example.com&v=1.2.3`, null, null), 0);
  });

  test('finds method-override parameters (E-28)', () => {
    assert.equal(scanRequestParameters('_method=DELETE', null, null), METHOD_OVERRIDE);
    assert.equal(scanRequestParameters('X-HTTP-Method-Override=PUT', null, null), METHOD_OVERRIDE);
  });

  test('leaves ordinary queries and cookies alone', () => {
    assert.equal(scanRequestParameters('q=token&method=x&page=2', 'theme=dark; session=abc', token), 0);
    assert.equal(scanRequestParameters('', null, null), 0);
  });

  test('formHasMethodOverride only reads form bodies', () => {
    const body = Buffer.from('amount=1&_method=DELETE');
    assert.equal(formHasMethodOverride('application/x-www-form-urlencoded', body), true);
    assert.equal(
      formHasMethodOverride('Application/X-WWW-Form-Urlencoded; charset=utf-8', Buffer.from('%5Fmethod=PUT')),
      true,
    );
    assert.equal(formHasMethodOverride('application/json', body), false);
    assert.equal(formHasMethodOverride(null, body), false);
    assert.equal(
      formHasMethodOverride('application/x-www-form-urlencoded', Buffer.from('method=x&a_method=y')),
      false,
    );
  });
});

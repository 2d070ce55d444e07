import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readRequestHeaders } from './read-request-headers.js';

describe('readRequestHeaders', () => {
  test('counts duplicates that matter and picks up credentials and framing', () => {
    const facts = readRequestHeaders(
      [
        'Host',
        'gw',
        'Portcullis-Token',
        't1',
        'portcullis-token',
        't2',
        'PORTCULLIS-PROOF',
        'p',
        'Authorization',
        'Bearer a',
        'authorization',
        'Bearer b',
        'Content-Length',
        '12',
        'Content-Type',
        'application/json',
        'Cookie',
        'a=1',
        'cookie',
        'b=2',
      ],
      new Set(),
    );
    assert.equal(facts.tokenCount, 2);
    assert.equal(facts.proofCount, 1);
    assert.equal(facts.authorizationCount, 2);
    assert.equal(facts.authorization, 'Bearer a');
    assert.equal(facts.hostCount, 1);
    assert.equal(facts.contentLength, 12);
    assert.equal(facts.cookie, 'a=1; b=2');
    assert.deepEqual(facts.forward, [
      'Authorization',
      'Bearer a',
      'authorization',
      'Bearer b',
      'Content-Type',
      'application/json',
      'Cookie',
      'a=1',
      'cookie',
      'b=2',
    ]);
  });

  test('strips hop-by-hop, protocol, identity, forwarding, override and route headers in any casing (A1-01, E-21, E-28)', () => {
    const names = [
      'Connection',
      'Keep-Alive',
      'TE',
      'Trailer',
      'Upgrade',
      'Proxy-Authorization',
      'Proxy-Connection',
      'Expect',
      'X-Request-Id',
      'X-Portcullis-App',
      'x-PORTCULLIS-device',
      'X-Portcullis-Anything',
      'Portcullis-Whatever',
      'X-Forwarded-Host',
      'X-Forwarded-Proto',
      'X-Forwarded-Prefix',
      'X-Real-IP',
      'True-Client-IP',
      'CF-Connecting-IP',
      'X-Original-URL',
      'X-Rewrite-URL',
      'X-Envoy-Original-Path',
      'X-Upstream',
      'X-HTTP-Method-Override',
      'X-HTTP-Method',
      'X-Method-Override',
      'X-Api-Key',
      'AUTHORIZATION',
    ];
    const raw = names.flatMap((name) => [name, 'v']).concat(['Accept', 'application/json']);
    const facts = readRequestHeaders(raw, new Set(['x-api-key', 'authorization']));
    assert.deepEqual(facts.forward, ['Accept', 'application/json']);
  });

  test('E-20: removes every header named in Connection, and forgets forwarding headers named there', () => {
    const facts = readRequestHeaders(
      [
        'Connection',
        'keep-alive, X-Secret-Hop',
        'connection',
        'X-Forwarded-For',
        'X-Secret-Hop',
        '1',
        'X-Forwarded-For',
        '10.0.0.1',
        'Accept',
        '*/*',
      ],
      new Set(),
    );
    assert.deepEqual(facts.forward, ['Accept', '*/*']);
    assert.equal(facts.forwardedFor, null);
  });

  test('joins the client forwarding chain so the gateway can append to it', () => {
    const facts = readRequestHeaders(
      ['X-Forwarded-For', '10.0.0.1', 'x-forwarded-for', '10.0.0.2', 'Forwarded', 'for=10.0.0.1'],
      new Set(),
    );
    assert.equal(facts.forwardedFor, '10.0.0.1, 10.0.0.2');
    assert.equal(facts.forwarded, 'for=10.0.0.1');
  });

  test('prototype-named headers are ordinary headers (E-34)', () => {
    const facts = readRequestHeaders(
      ['__proto__', 'x', 'constructor', 'y', 'hasOwnProperty', 'z'],
      new Set(),
    );
    assert.deepEqual(facts.forward, ['__proto__', 'x', 'constructor', 'y', 'hasOwnProperty', 'z']);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPortcullis, type PortcullisError } from '@portcullis/client';
import {
  ANDROID_SIGNING_DIGEST,
  type LiveShield,
  startLiveShield,
} from '../../shield/test/support/live-shield.js';
import { createNodeProvider } from './node-provider.js';

// The Node provider is what owners' integration tests and the demo use: its evidence must be
// accepted by a development-mode shield that trusts the test authority, and refused otherwise.

describe('createNodeProvider', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield();
  });
  after(async () => {
    await live.close();
  });

  function claims(token: string) {
    return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
  }

  test('iOS and Android evidence is accepted by a development-mode shield; refreshes are assertions', async () => {
    for (const provider of [
      createNodeProvider({ platform: 'ios', authority: live.apple, appId: 'ABCDE12345.com.example.shop' }),
      createNodeProvider({
        platform: 'android',
        authority: live.android,
        packageName: 'com.example.shop',
        signingCertSha256: ANDROID_SIGNING_DIGEST,
      }),
    ]) {
      const portcullis = createPortcullis({ baseUrl: live.url, appId: 'shop', provider });
      const first = claims(await portcullis.getToken());
      const second = claims(await portcullis.getToken({ forceRefresh: true }));
      assert.equal(first.plt, provider.platform);
      assert.equal(first.dev, true, 'marked as minted from a test root');
      assert.equal(second.cnf.kid, first.cnf.kid, 'the refresh asserted with the same key');
      assert.ok(second.jti !== first.jti);
    }
  });

  test('loseKeys() is a reinstall: the next refresh attests a new key', async () => {
    const provider = createNodeProvider({
      platform: 'ios',
      authority: live.apple,
      appId: 'ABCDE12345.com.example.shop',
    });
    const portcullis = createPortcullis({ baseUrl: live.url, appId: 'shop', provider });
    const before = claims(await portcullis.getToken()).cnf.kid;
    provider.loseKeys();
    const afterLoss = claims(await portcullis.getToken({ forceRefresh: true })).cnf.kid;
    assert.notEqual(afterLoss, before);
  });

  test('a production-mode shield refuses test-kit evidence', async () => {
    const production = await startLiveShield({ mode: 'production' });
    try {
      const provider = createNodeProvider({
        platform: 'ios',
        authority: production.apple,
        appId: 'ABCDE12345.com.example.shop',
      });
      const portcullis = createPortcullis({ baseUrl: production.url, appId: 'shop', provider });
      await assert.rejects(
        portcullis.getToken(),
        (error: PortcullisError) => error.code === 'evidence_invalid',
      );
    } finally {
      await production.close();
    }
  });
});

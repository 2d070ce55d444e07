import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createClientIpResolver } from './create-client-ip-resolver.js';
import { limitKeyForIp } from './limit-key-for-ip.js';
import { parseForwardedHops } from './parse-forwarded-hops.js';
import { parseIp } from './parse-ip.js';

function req(remoteAddress: string | undefined, headers: [string, string][] = []) {
  return { socket: { remoteAddress }, rawHeaders: headers.flat() };
}

describe('parseIp', () => {
  test('canonical forms: IPv4-mapped IPv6 folds to IPv4, IPv6 per RFC 5952, zones dropped', () => {
    const cases: [string, string | null][] = [
      ['192.0.2.7', '192.0.2.7'],
      ['::ffff:192.0.2.7', '192.0.2.7'],
      ['::FFFF:c000:0207', '192.0.2.7'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0db8:0000:0001:0000:0000:0000:0000', '2001:db8:0:1::'],
      ['fe80::1%eth0', 'fe80::1'],
      ['::1', '::1'],
      ['::', '::'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['1.2.3.4:80', null],
      ['[::1]', null],
      ['01.2.3.4', null],
      ['256.1.1.1', null],
      ['example.com', null],
      ['', null],
    ];
    for (const [input, want] of cases) assert.equal(parseIp(input)?.text ?? null, want, input);
  });

  test('property: every IPv6 address survives a round trip through its canonical text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
        const parsed = parseIp(groups.join(':'));
        assert.ok(parsed !== null);
        const again = parseIp(parsed.text);
        assert.equal(again?.text, parsed.text);
        if (parsed.family === 6) assert.deepEqual(Array.from(parsed.bytes), Array.from(bytes));
      }),
      { numRuns: 500, seed: 64 },
    );
  });
});

describe('limitKeyForIp', () => {
  test('IPv6 clients are grouped by /64 by default; IPv4 stays per address', () => {
    assert.equal(limitKeyForIp('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(limitKeyForIp('2001:db8:1:2::1'), limitKeyForIp('2001:db8:1:2:ffff::9'));
    assert.notEqual(limitKeyForIp('2001:db8:1:2::1'), limitKeyForIp('2001:db8:1:3::1'));
    assert.equal(limitKeyForIp('2001:db8:1:2::1', 48), '2001:db8:1::/48');
    assert.equal(limitKeyForIp('2001:db8:1:2::1', 60), '2001:db8:1::/60');
    assert.equal(limitKeyForIp('2001:db8:1:2::1', 128), '2001:db8:1:2::1/128');
    assert.equal(limitKeyForIp('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(limitKeyForIp('10.1.2.3'), '10.1.2.3');
    assert.equal(limitKeyForIp(' Not-An-IP '), 'not-an-ip');
    assert.throws(() => limitKeyForIp('::1', 0), TypeError);
    assert.throws(() => limitKeyForIp('::1', 129), TypeError);
  });
});

describe('parseForwardedHops', () => {
  test('X-Forwarded-For: every line in order, ports and brackets removed, garbage kept as a null hop', () => {
    const hops = parseForwardedHops(
      [
        'X-Forwarded-For',
        '203.0.113.9, [2001:db8::1]:443',
        'x-forwarded-for',
        '10.0.0.2:8080, unknown, 2001:db8::2',
      ],
      'x-forwarded-for',
      32,
    );
    assert.deepEqual(hops, {
      hops: ['203.0.113.9', '2001:db8::1', '10.0.0.2', null, '2001:db8::2'],
      truncated: false,
    });
  });

  test('Forwarded: for= of each element (RFC 7239), quoted IPv6 with port, obfuscated nodes as null', () => {
    const hops = parseForwardedHops(
      [
        'Forwarded',
        'for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"',
        'Forwarded',
        'for=_hidden, proto=https',
      ],
      'forwarded',
      32,
    );
    assert.deepEqual(hops, { hops: ['192.0.2.60', '2001:db8:cafe::17', null, null], truncated: false });
    assert.equal(parseForwardedHops(['Forwarded', 'for="192.0.2.1'], 'forwarded', 32), null);
  });

  test('long chains keep only the last maxHops', () => {
    const chain = Array.from({ length: 40 }, (_, i) => `10.0.0.${i}`).join(', ');
    const hops = parseForwardedHops(['X-Forwarded-For', chain], 'x-forwarded-for', 32);
    assert.equal(hops?.truncated, true);
    assert.equal(hops?.hops.length, 32);
    assert.equal(hops?.hops[0], '10.0.0.8');
  });
});

describe('createClientIpResolver (E-18)', () => {
  const spoofing: [string, string][] = [
    ['X-Forwarded-For', '10.0.0.1'],
    ['X-Real-IP', '10.0.0.2'],
    ['Forwarded', 'for=10.0.0.3'],
    ['True-Client-IP', '10.0.0.4'],
    ['CF-Connecting-IP', '10.0.0.5'],
  ];

  test('without trusted proxies the client is the socket peer, whatever the headers say', () => {
    const clientIp = createClientIpResolver({ trustedProxies: [] });
    assert.equal(clientIp(req('127.0.0.1', spoofing)), '127.0.0.1');
    assert.equal(clientIp(req('::ffff:127.0.0.1', spoofing)), '127.0.0.1');
    assert.equal(clientIp(req('2001:DB8::7', spoofing)), '2001:db8::7');
    assert.equal(clientIp(req(undefined, spoofing)), '');
  });

  test('a trusted peer: the rightmost hop that is not a trusted proxy', () => {
    const clientIp = createClientIpResolver({ trustedProxies: ['127.0.0.1'] });
    assert.equal(clientIp(req('127.0.0.1', [['X-Forwarded-For', 'spoofed, 127.0.0.9']])), '127.0.0.9');
    const chain = createClientIpResolver({ trustedProxies: ['10.0.0.0/8', 'fd00::/8', '127.0.0.1'] });
    assert.equal(
      chain(req('127.0.0.1', [['X-Forwarded-For', '198.51.100.1, 203.0.113.5, 10.1.1.1, fd00::2']])),
      '203.0.113.5',
    );
    // Only trusted hops: the leftmost one is the client.
    assert.equal(chain(req('127.0.0.1', [['X-Forwarded-For', '10.9.9.9, 10.1.1.1']])), '10.9.9.9');
    // An untrusted peer's headers are never read.
    assert.equal(chain(req('192.0.2.1', [['X-Forwarded-For', '203.0.113.5']])), '192.0.2.1');
    // The other header is ignored: a proxy that appends to X-Forwarded-For passes Forwarded untouched.
    assert.equal(chain(req('127.0.0.1', [['Forwarded', 'for=203.0.113.77']])), '127.0.0.1');
  });

  test('Forwarded when configured', () => {
    const clientIp = createClientIpResolver({ trustedProxies: ['::1'], header: 'forwarded' });
    assert.equal(
      clientIp(req('::1', [['Forwarded', 'for=198.51.100.4, for="[2001:db8::5]"']])),
      '2001:db8::5',
    );
    assert.equal(clientIp(req('::1', [['X-Forwarded-For', '198.51.100.4']])), '::1');
  });

  test('malformed headers fall back to the peer and never throw', () => {
    const clientIp = createClientIpResolver({ trustedProxies: ['127.0.0.0/8'] });
    const bad = ['garbage', '', ',,,', '1.2.3.4, ::zz', 'x'.repeat(10_000), '1.2.3.4\u0000'];
    for (const value of bad)
      assert.equal(clientIp(req('127.0.0.1', [['X-Forwarded-For', value]])), '127.0.0.1', value);
    const forwarded = createClientIpResolver({ trustedProxies: ['127.0.0.1'], header: 'forwarded' });
    for (const value of ['for="1.2.3.4', 'proto=http', 'for=unknown', 'for=_x']) {
      assert.equal(forwarded(req('127.0.0.1', [['Forwarded', value]])), '127.0.0.1', value);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (xff, fwd) => {
        const result = clientIp(
          req('127.0.0.1', [
            ['X-Forwarded-For', xff],
            ['Forwarded', fwd],
          ]),
        );
        assert.equal(typeof result, 'string');
      }),
      { numRuns: 300, seed: 18 },
    );
  });

  test('a chain of only trusted hops longer than maxHops falls back to the peer', () => {
    const clientIp = createClientIpResolver({ trustedProxies: ['10.0.0.0/8', '127.0.0.1'], maxHops: 4 });
    const chain = Array.from({ length: 6 }, (_, i) => `10.0.0.${i}`).join(', ');
    assert.equal(clientIp(req('127.0.0.1', [['X-Forwarded-For', chain]])), '127.0.0.1');
  });

  test('IPv4-mapped trusted blocks and peers match their IPv4 form; limitKey groups by the prefix', () => {
    const clientIp = createClientIpResolver({
      trustedProxies: ['::ffff:10.0.0.0/104'],
      ipv6PrefixLength: 56,
    });
    assert.equal(
      clientIp(req('::ffff:10.2.3.4', [['X-Forwarded-For', '2001:db8:1:2::9']])),
      '2001:db8:1:2::9',
    );
    assert.equal(clientIp.limitKey('2001:db8:1:2::9'), '2001:db8:1::/56');
  });

  test('bad options are TypeErrors naming the option', () => {
    assert.throws(() => createClientIpResolver({ trustedProxies: ['10.0.0.0/33'] }), /trustedProxies\[0\]/);
    assert.throws(() => createClientIpResolver({ trustedProxies: ['proxy.local'] }), /trustedProxies\[0\]/);
    assert.throws(
      () => createClientIpResolver({ trustedProxies: ['::1', 'fe80::1%eth0'] }),
      /trustedProxies\[1\]/,
    );
    assert.throws(
      () => createClientIpResolver({ trustedProxies: [], ipv6PrefixLength: 0 }),
      /ipv6PrefixLength/,
    );
    assert.throws(
      () => createClientIpResolver({ trustedProxies: [], header: 'x-real-ip' as 'forwarded' }),
      /header/,
    );
  });
});

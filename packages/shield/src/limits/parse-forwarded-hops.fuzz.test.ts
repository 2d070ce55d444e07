import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzParameters } from '../../test/support/fuzz-budget.js';
import { parseForwardedHops } from './parse-forwarded-hops.js';

// Fuzzing the Forwarded and X-Forwarded-For reader (E-18, E-21): it must never throw; every hop it
// returns is an IP in one canonical spelling; and a well-formed header (RFC 7239, IPv6 quoted and
// bracketed, ports, other parameters, several field lines) reads as exactly the addresses written,
// as a WHATWG URL parser spells them.

/** The canonical text of an address, from the WHATWG host parser (IPv4-mapped IPv6 as IPv4). */
function canonical(ip: string): string {
  if (isIP(ip) === 4) return new URL(`http://${ip}/`).hostname;
  const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped === null) return host;
  const [high, low] = [Number.parseInt(mapped[1]!, 16), Number.parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

const address = fc.oneof(fc.ipV4(), fc.ipV6());
const hop = fc.record({
  ip: address,
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  quote: fc.boolean(),
});

function forwardedElement(
  h: { ip: string; port: number | undefined; quote: boolean },
  extra: string,
): string {
  const v6 = isIP(h.ip) === 6;
  const node = v6
    ? `[${h.ip}]${h.port === undefined ? '' : `:${h.port}`}`
    : `${h.ip}${h.port === undefined ? '' : `:${h.port}`}`;
  const value = v6 || h.port !== undefined || h.quote ? `"${node}"` : node;
  return `${extra}for=${value};proto=https`;
}

test('E-18, E-21: well-formed Forwarded and X-Forwarded-For headers read as exactly the addresses written', () => {
  fc.assert(
    fc.property(
      fc.array(hop, { minLength: 1, maxLength: 6 }),
      fc.constantFrom('', 'by=10.0.0.1;', 'host="a.example";'),
      fc.integer({ min: 1, max: 3 }),
      (hops, extra, lines) => {
        const expected = hops.map((h) => canonical(h.ip));
        const elements = hops.map((h) => forwardedElement(h, extra));
        const per = Math.ceil(elements.length / lines);
        const raw: string[] = [];
        for (let i = 0; i < elements.length; i += per)
          raw.push('Forwarded', elements.slice(i, i + per).join(', '));
        assert.deepEqual(parseForwardedHops(raw, 'forwarded', 32), { hops: expected, truncated: false });
        const xff = hops
          .map((h) => (isIP(h.ip) === 6 ? (h.port === undefined ? h.ip : `[${h.ip}]:${h.port}`) : h.ip))
          .join(', ');
        assert.deepEqual(parseForwardedHops(['X-Forwarded-For', xff], 'x-forwarded-for', 32), {
          hops: expected,
          truncated: false,
        });
        const last = parseForwardedHops(raw, 'forwarded', 2);
        assert.deepEqual(last?.hops, expected.slice(-2));
      },
    ),
    fuzzParameters(400, 1),
  );
});

test('E-18: any header value reads as null or as hops that are each null or one canonical IP, and never throws', () => {
  const chars = fc.constantFrom(...'for=;,"\\[]:.0123456789abcdefABCDEF ffff%_unknown\t'.split(''));
  const values = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.array(chars, { maxLength: 60 }).map((c) => c.join('')),
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('Forwarded', 'X-Forwarded-For', 'forwarded', 'X-Other'), values), {
        maxLength: 4,
      }),
      (pairs) => {
        const raw = pairs.flat();
        for (const header of ['forwarded', 'x-forwarded-for'] as const) {
          const result = parseForwardedHops(raw, header, 8);
          if (result === null) continue;
          assert.ok(result.hops.length <= 8);
          for (const h of result.hops) {
            if (h === null) continue;
            assert.notEqual(isIP(h), 0, `${h} is not an IP`);
            assert.equal(h, canonical(h), `${h} is not in canonical form`);
          }
        }
      },
    ),
    fuzzParameters(800, 2),
  );
});

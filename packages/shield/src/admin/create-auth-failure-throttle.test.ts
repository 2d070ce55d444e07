import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock } from '../clock.js';
import { createAuthFailureThrottle } from './create-auth-failure-throttle.js';

describe('createAuthFailureThrottle', () => {
  test('blocks an address after maxFailures within the window, until the window ends', () => {
    const clock = createManualClock(1_000_000);
    const throttle = createAuthFailureThrottle({ clock, maxFailures: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i += 1) {
      assert.equal(throttle.blockedFor('192.0.2.1'), 0);
      throttle.recordFailure('192.0.2.1');
      clock.advance(1000);
    }
    assert.equal(throttle.blockedFor('192.0.2.1'), 57, 'seconds left of the window from the first failure');
    assert.equal(throttle.blockedFor('192.0.2.2'), 0, 'other addresses are not affected');
    clock.advance(56_500);
    assert.equal(throttle.blockedFor('192.0.2.1'), 1, 'rounded up');
    clock.advance(500);
    assert.equal(throttle.blockedFor('192.0.2.1'), 0, 'a new window');
    throttle.recordFailure('192.0.2.1');
    assert.equal(throttle.blockedFor('192.0.2.1'), 0, 'the count started again');
  });

  test('a success forgets the failures', () => {
    const clock = createManualClock(0);
    const throttle = createAuthFailureThrottle({ clock, maxFailures: 2 });
    throttle.recordFailure('::1');
    throttle.recordSuccess('::1');
    throttle.recordFailure('::1');
    assert.equal(throttle.blockedFor('::1'), 0);
    throttle.recordFailure('::1');
    assert.ok(throttle.blockedFor('::1') > 0);
  });

  test('IPv6 clients count by /64 and IPv4-mapped addresses as IPv4', () => {
    const clock = createManualClock(0);
    const throttle = createAuthFailureThrottle({ clock, maxFailures: 2 });
    throttle.recordFailure('2001:db8:1:2::a');
    throttle.recordFailure('2001:db8:1:2::b');
    assert.ok(throttle.blockedFor('2001:db8:1:2::c') > 0);
    assert.equal(throttle.blockedFor('2001:db8:1:3::a'), 0);
    throttle.recordFailure('::ffff:198.51.100.7');
    throttle.recordFailure('198.51.100.7');
    assert.ok(throttle.blockedFor('198.51.100.7') > 0);
  });

  test('memory is bounded: the least recently seen address is forgotten', () => {
    const clock = createManualClock(0);
    const throttle = createAuthFailureThrottle({ clock, maxFailures: 1, maxAddresses: 2 });
    throttle.recordFailure('192.0.2.1');
    throttle.recordFailure('192.0.2.2');
    throttle.recordFailure('192.0.2.3');
    assert.equal(throttle.blockedFor('192.0.2.1'), 0, 'evicted');
    assert.ok(throttle.blockedFor('192.0.2.2') > 0);
    assert.ok(throttle.blockedFor('192.0.2.3') > 0);
  });

  test('refuses bad options', () => {
    const clock = createManualClock(0);
    assert.throws(() => createAuthFailureThrottle({ clock, maxFailures: 0 }), TypeError);
    assert.throws(() => createAuthFailureThrottle({ clock, windowMs: 10 }), TypeError);
    assert.throws(() => createAuthFailureThrottle({ clock, maxAddresses: 1.5 }), TypeError);
  });
});

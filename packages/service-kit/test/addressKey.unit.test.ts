import t from 'tap';
import { addressKey } from '../src/rateLimit.js';

/** Issue 20: a per-address limit counts an IPv6 subscriber's /64 as one address, IPv4 as itself. */
t.test('addresses as a limit counts them', async (t) => {
  t.equal(addressKey('192.0.2.7'), '192.0.2.7');
  t.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7', 'an IPv4-mapped address is its IPv4 address');
  t.equal(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  t.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64', 'compressed the same');
  t.equal(addressKey('2001:0db8:0001:0002::ffff'), '2001:db8:1:2::/64', 'leading zeros or none');
  t.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64', 'zeros filled in where :: stood');
  t.not(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'), 'another /64 is another address');
  t.equal(addressKey('::1'), '0:0:0:0::/64');
  t.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64', 'a zone is not part of it');
});

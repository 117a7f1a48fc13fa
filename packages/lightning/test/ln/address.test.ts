import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAddresses } from '../../src/ln/msgs/address.js';
import { DecodeError } from '../../src/util/errors.js';

const cat = (...parts: number[][]) => Uint8Array.from(parts.flat());
const ipv4 = (a: number, b: number, c: number, d: number, port: number) => [1, a, b, c, d, port >> 8, port & 0xff];
const ipv6 = (port: number) => [2, ...new Array(15).fill(0), 1, port >> 8, port & 0xff];
const torv3 = (port: number) => [4, ...new Array(35).fill(7), port >> 8, port & 0xff];
const dns = (host: string, port: number) => [5, host.length, ...[...host].map((c) => c.charCodeAt(0)), port >> 8, port & 0xff];

describe('parseAddresses (BOLT 7 node_announcement receiver rules)', () => {
  test('every known type in order', () => {
    const r = parseAddresses(cat(ipv4(1, 2, 3, 4, 9735), ipv6(9736), torv3(9737), dns('ln.example.com', 9738)));
    assert.ok(!(r instanceof DecodeError));
    assert.deepEqual(
      r.addresses.map((a) => [a.type, a.port]),
      [['ipv4', 9735], ['ipv6', 9736], ['torv3', 9737], ['dns', 9738]],
    );
    assert.equal(r.unknown.length, 0);
    assert.equal(r.multipleHostnames, false);
  });

  test('Tor v2 and port-0 addresses are skipped; a second hostname is dropped and flagged', () => {
    const r = parseAddresses(cat(ipv4(1, 2, 3, 4, 0), [3, ...new Array(12).fill(1)], ipv6(0), dns('a.example', 1), dns('b.example', 2)));
    assert.ok(!(r instanceof DecodeError));
    assert.deepEqual(r.addresses, [{ type: 'dns', hostname: 'a.example', port: 1 }]);
    assert.equal(r.multipleHostnames, true);
  });

  test('a hostname that is not printable ASCII is skipped', () => {
    const r = parseAddresses(cat(dns('bad host', 1), ipv4(5, 6, 7, 8, 2)));
    assert.ok(!(r instanceof DecodeError));
    assert.deepEqual(r.addresses.map((a) => a.type), ['ipv4']);
  });

  test('an unknown type ends the known part; the rest is kept opaque', () => {
    const r = parseAddresses(cat(ipv4(1, 2, 3, 4, 5), [9, 1, 2, 3], ipv4(9, 9, 9, 9, 9)));
    assert.ok(!(r instanceof DecodeError));
    assert.equal(r.addresses.length, 1);
    assert.deepEqual([...r.unknown], [9, 1, 2, 3, ...ipv4(9, 9, 9, 9, 9)]);
  });

  test('addrlen too short for a known descriptor is a DecodeError at every cut', () => {
    const full = cat(ipv4(1, 2, 3, 4, 5), ipv6(6), torv3(7), dns('x.example', 8));
    const boundaries = new Set([0, 7, 7 + 19, 7 + 19 + 38, full.length]);
    for (let n = 0; n <= full.length; n++) {
      const r = parseAddresses(full.subarray(0, n));
      assert.equal(r instanceof DecodeError, !boundaries.has(n), `cut at ${n}`);
    }
  });
});

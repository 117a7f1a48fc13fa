import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkPeerFeatures, Features, providedInitFeatures } from '../../src/ln/features.js';
import { toHex } from '../../src/util/hex.js';

describe('BOLT 9 feature bits', () => {
  test('wire form is big-endian with bit 0 in the last byte, minimal', () => {
    const f = new Features('init').setBit(0).setBit(9).setBit(15);
    assert.equal(toHex(f.toBytes()), '8201');
    assert.deepEqual(Features.fromBytes('init', f.toBytes()).setBits(), [0, 9, 15]);
    assert.equal(new Features('init').toBytes().length, 0);
  });
  test('round-trips random bit sets', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 400 })), (bits) => {
        const f = new Features('node', bits);
        assert.ok(Features.fromBytes('node', f.toBytes()).equals(f));
      }),
      { seed: 20261124, numRuns: 300 },
    );
  });
  test('unknown even bits are required-unknown, unknown odd bits are fine', () => {
    const f = new Features('init').setBit(101).setBit(100);
    assert.deepEqual(f.unknownRequiredBits(), [100]);
    // payment_metadata is an invoice feature: required in init it is unknown there.
    assert.deepEqual(new Features('init').setRequired('option_payment_metadata').unknownRequiredBits(), [48]);
    assert.deepEqual(new Features('invoice').setRequired('option_payment_metadata').unknownRequiredBits(), []);
  });
  test('dependencies are checked', () => {
    const f = Features.of('init', { basic_mpp: 'optional' });
    assert.deepEqual(f.missingDependencies(), [{ feature: 'basic_mpp', missing: 'payment_secret' }]);
  });
  test('we refuse a peer lacking what we require, and accept our own features', () => {
    const ours = providedInitFeatures();
    assert.equal(checkPeerFeatures(ours, ours), null);
    const lacking = Features.fromBytes('init', ours.toBytes()).clear('option_static_remotekey');
    assert.match(checkPeerFeatures(ours, lacking) ?? '', /option_static_remotekey/);
    assert.match(checkPeerFeatures(ours, ours.or(new Features('init', [200]))) ?? '', /unknown feature bits 200/);
  });
  test('we advertise what LDK requires of a peer', () => {
    const ours = providedInitFeatures();
    for (const n of ['option_data_loss_protect', 'var_onion_optin', 'option_static_remotekey', 'payment_secret']) {
      assert.ok(ours.requires(n), n);
    }
    assert.deepEqual(ours.missingDependencies(), []);
  });
});

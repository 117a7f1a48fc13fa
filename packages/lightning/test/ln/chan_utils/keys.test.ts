import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nobleBackend as crypto } from '../../../src/crypto/noble.js';
import {
  derivationTweak,
  derivePrivateKey,
  derivePublicKey,
  deriveRevocationPrivkey,
  deriveRevocationPubkey,
  deriveTxCreationKeys,
} from '../../../src/ln/chan_utils/keys.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { hex, P, str, V } from './fixture.js';

const kd = (kind: string) => {
  const v = V.key_derivation.find((x) => x.kind === kind);
  assert.ok(v, kind);
  return (k: string) => fromHex(v[k]!);
};

describe('BOLT 3 Appendix E: key derivation', () => {
  test('localpubkey = basepoint + SHA256(per_commitment_point || basepoint)·G', () => {
    const v = kd('localpubkey');
    assert.equal(toHex(derivationTweak(v('per_commitment_point'), v('basepoint'), crypto)), toHex(v('tweak')));
    assert.equal(toHex(derivePublicKey(v('basepoint'), v('per_commitment_point'), crypto)), toHex(v('expected')));
  });
  test('localprivkey = basepoint_secret + tweak, and matches localpubkey', () => {
    const v = kd('localprivkey');
    const priv = derivePrivateKey(v('basepoint_secret'), v('per_commitment_point'), crypto);
    assert.equal(toHex(priv), toHex(v('expected')));
    assert.equal(toHex(crypto.publicKey(priv)), toHex(derivePublicKey(v('basepoint'), v('per_commitment_point'), crypto)));
  });
  test('revocationpubkey', () => {
    const v = kd('revocationpubkey');
    assert.equal(toHex(deriveRevocationPubkey(v('revocation_basepoint'), v('per_commitment_point'), crypto)), toHex(v('expected')));
  });
  test('revocationprivkey, and it is the secret of revocationpubkey', () => {
    const v = kd('revocationprivkey');
    const priv = deriveRevocationPrivkey(v('revocation_basepoint_secret'), v('per_commitment_secret'), crypto);
    assert.equal(toHex(priv), toHex(v('expected')));
    assert.equal(toHex(crypto.publicKey(priv)), toHex(deriveRevocationPubkey(v('revocation_basepoint'), v('per_commitment_point'), crypto)));
  });
});

describe('BOLT 3 Appendix C: the derived keys the commitment vectors use', () => {
  const pcp = crypto.publicKey(fromHex(P.internal.local_per_commitment_secret!));
  test('per-commitment point from the per-commitment secret', () => {
    assert.equal(toHex(pcp), P.internal.local_per_commitment_point);
  });
  test('TxCreationKeys from the basepoints', () => {
    const keys = deriveTxCreationKeys(
      pcp,
      {
        broadcasterDelayedPaymentBasepoint: fromHex(P.internal.local_delayed_payment_basepoint!),
        broadcasterHtlcBasepoint: hex('local_htlc_basepoint'),
        countersignatoryRevocationBasepoint: fromHex(P.internal.remote_revocation_basepoint!),
        countersignatoryHtlcBasepoint: hex('remote_htlc_basepoint'),
      },
      crypto,
    );
    assert.equal(toHex(keys.revocationPubkey), str('local_revocation_pubkey'));
    assert.equal(toHex(keys.broadcasterDelayedPubkey), str('local_delayedpubkey'));
    assert.equal(toHex(keys.broadcasterHtlcPubkey), str('local_htlcpubkey'));
    assert.equal(toHex(keys.countersignatoryHtlcPubkey), str('remote_htlcpubkey'));
  });
  test('HTLC and delayed private keys from the basepoint secrets', () => {
    const i = P.internal;
    assert.equal(toHex(derivePrivateKey(fromHex(i.local_payment_basepoint_secret!), pcp, crypto)), str('local_privkey'));
    assert.equal(toHex(derivePrivateKey(fromHex(i.remote_payment_basepoint_secret!), pcp, crypto)), i.remote_privkey);
    assert.equal(toHex(derivePrivateKey(fromHex(i.local_delayed_payment_basepoint_secret!), pcp, crypto)), i.local_delayed_privkey);
    assert.equal(toHex(crypto.publicKey(fromHex(i.remote_privkey!))), str('remote_htlcpubkey'));
    assert.equal(toHex(crypto.publicKey(fromHex(str('local_funding_privkey')))), str('local_funding_pubkey'));
    assert.equal(toHex(crypto.publicKey(fromHex(i.remote_funding_privkey!))), str('remote_funding_pubkey'));
  });
  test('revocation privkey from the revocation basepoint secret and per-commitment secret', () => {
    const i = P.internal;
    const priv = deriveRevocationPrivkey(fromHex(i.remote_revocation_basepoint_secret!), fromHex(i.local_per_commitment_secret!), crypto);
    assert.equal(toHex(crypto.publicKey(priv)), str('local_revocation_pubkey'));
  });
  test('an invalid point is rejected, not silently accepted', () => {
    const bad = new Uint8Array(33);
    bad[0] = 2;
    assert.throws(() => derivePublicKey(bad, hex('local_funding_pubkey'), crypto));
  });
});

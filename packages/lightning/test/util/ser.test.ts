import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../src/util/errors.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import {
  bytes32,
  type Coder,
  decode,
  decodeBigSize,
  encode,
  encodeBigSize,
  point,
  sInt,
  struct,
  tlv,
  tlvStream,
  tu32,
  tu64,
  u16,
  u64,
} from '../../src/util/ser/index.js';
import { Init } from '../../src/ln/msgs/bolt01.js';
import { readMessage } from '../../src/ln/msgs/index.js';

interface Fixture {
  bigsize_decode: Array<{ name: string; bytes: string; ok: boolean; value?: string; exp_error?: string }>;
  bigsize_encode: Array<{ name: string; value: string; bytes: string }>;
  tlv_decode_ok: Array<{ stream: string; ns: string[]; records: Record<string, Record<string, string | number>> }>;
  tlv_decode_fail: Array<{ stream: string; ns: string[]; reason: string }>;
  tlv_stream_fail: Array<{ stream: string; ns: string[]; reason: string }>;
  init_extension: Array<{ msg: string; ok: boolean; case: string }>;
  signed_int: Array<{ value: string; bytes: string }>;
}
const V = JSON.parse(readFileSync(new URL('../fixtures/bolt01.json', import.meta.url), 'utf8')) as Fixture;
const SEED = Number(process.env.FC_SEED ?? 20261124);

// BOLT 1 Appendix B's two test namespaces.
const scid = u64;
const n1 = tlvStream({
  tlv1: tlv(1, struct({ amount_msat: tu64 })),
  tlv2: tlv(2, struct({ scid })),
  tlv3: tlv(3, struct({ node_id: point, amount_msat_1: u64, amount_msat_2: u64 })),
  tlv4: tlv(254, struct({ cltv_delta: u16 })),
});
const n2 = tlvStream({
  tlv1: tlv(0, struct({ amount_msat: tu64 })),
  tlv2: tlv(11, struct({ cltv_expiry: tu32 })),
});
// Both namespaces are read generically here: records come back as plain objects.
const NS = { n1, n2 } as unknown as Record<'n1' | 'n2', Coder<Record<string, unknown>>>;

function scidString(v: bigint): string {
  return `${v >> 40n}x${(v >> 16n) & 0xffffffn}x${v & 0xffffn}`;
}
function normalise(rec: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'scid' && typeof v === 'bigint') out[k] = scidString(v);
    else if (typeof v === 'bigint') out[k] = v.toString();
    else if (v instanceof Uint8Array) out[k] = toHex(v);
    else out[k] = v as number;
  }
  return out;
}

describe('BOLT 1 Appendix A: BigSize', () => {
  for (const v of V.bigsize_decode) {
    test(`decode ${v.name}`, () => {
      const r = decodeBigSize(fromHex(v.bytes));
      if (v.ok) assert.equal(r, BigInt(v.value!));
      else assert.ok(r instanceof DecodeError, `expected failure, got ${r}`);
    });
  }
  for (const v of V.bigsize_encode) {
    test(`encode ${v.name}`, () => assert.equal(toHex(encodeBigSize(BigInt(v.value))), v.bytes));
  }
  test('round-trips any u64 minimally', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (x) => {
        const b = encodeBigSize(x);
        assert.equal(decodeBigSize(b), x);
        assert.equal(b.length, x < 0xfdn ? 1 : x < 0x10000n ? 3 : x < 0x100000000n ? 5 : 9);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('BOLT 1 Appendix B: TLV streams', () => {
  for (const v of V.tlv_decode_ok) {
    for (const ns of v.ns) {
      test(`decodes ${v.stream || '(empty)'} in ${ns}`, () => {
        const r = decode(NS[ns as keyof typeof NS], fromHex(v.stream));
        assert.ok(!(r instanceof DecodeError), String(r));
        const got: Record<string, Record<string, string | number>> = {};
        for (const [k, val] of Object.entries(r)) {
          if (k === 'unknownTlvs') continue;
          got[k] = normalise(val as Record<string, unknown>);
        }
        assert.deepEqual(got, v.records);
        // Re-encoding (unknown odd records kept) gives the same bytes.
        assert.equal(toHex(encode(NS[ns as keyof typeof NS], r)), v.stream);
      });
    }
  }
  for (const v of [...V.tlv_decode_fail, ...V.tlv_stream_fail]) {
    for (const ns of v.ns) {
      test(`rejects ${v.stream.slice(0, 24)} in ${ns} (${v.reason})`, () => {
        const r = decode(NS[ns as keyof typeof NS], fromHex(v.stream));
        assert.ok(r instanceof DecodeError, `expected ${v.reason}`);
      });
    }
  }
  test('decoding random bytes never throws, and what decodes re-encodes canonically', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const r = decode(n1, b);
        if (r instanceof DecodeError) return;
        const again = encode(n1, r);
        assert.deepEqual(decode(n1, again), r);
        assert.equal(toHex(again), toHex(b));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('BOLT 1 Appendix C: message extension', () => {
  for (const v of V.init_extension) {
    test(`init ${v.case}`, () => {
      const r = readMessage(fromHex(v.msg));
      if (v.ok) {
        assert.ok(!(r instanceof DecodeError) && r.name === 'init', String(r));
        assert.equal(toHex(Init.encode(r.msg as Init)), v.msg);
      } else {
        assert.ok(r instanceof DecodeError);
      }
    });
  }
});

describe('BOLT 1 Appendix D: signed integers', () => {
  for (const v of V.signed_int) {
    test(`${v.value}`, () => {
      assert.equal(toHex(encode(sInt, BigInt(v.value))), v.bytes);
      assert.equal(decode(sInt, fromHex(v.bytes)), BigInt(v.value));
    });
  }
});

describe('fixed fields', () => {
  test('short reads are DecodeError ShortRead', () => {
    const r = decode(struct({ a: bytes32 }), new Uint8Array(31));
    assert.ok(r instanceof DecodeError && r.kind === 'ShortRead');
  });
  test('trailing bytes are rejected by decode()', () => {
    const r = decode(u16, new Uint8Array(3));
    assert.ok(r instanceof DecodeError && r.kind === 'InvalidValue');
  });
});

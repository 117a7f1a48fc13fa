/** The BOLT 4 vectors transcribed in `test/fixtures/bolt04.json`, typed for the onion tests. */
import { readFileSync } from 'node:fs';
import { ByteReader } from '../../../src/util/ser/reader.js';

export interface Bolt04 {
  onion: [
    {
      session_key: string;
      assoc_data: string;
      hops: { pubkey: string; payload: string }[];
      onion: string;
      hop_privkeys: string[];
    },
  ];
  error_legacy: [
    {
      session_key: string;
      failure_msg: string;
      hops: { pubkey: string; shared_secret: string; ammag_key: string; um_key?: string; payload?: string }[];
      error_packet: string;
    },
  ];
  error_attributable: [
    {
      pubkeys: string[];
      hold_times: number[];
      session_key: string;
      failure_source: number;
      htlc_msat: number;
      height: number;
      tlv: { type: number; value: string };
      failure_msg: string;
      shared_secret: string;
      payload: string;
      um_key: string;
      raw_error: string;
      hops: { node: number; shared_secret: string; ammag_key: string; stream: string; error_packet: string; attribution_data: string }[];
    },
  ];
  success_attribution: [{ session_key: string; pubkeys: string[]; hold_times: number[]; hops: { node: number; attribution_data: string }[] }];
  route_blinding: [
    {
      generate: {
        hops: {
          session_key?: string;
          alias: string;
          node_id: string;
          tlvs: Record<string, unknown>;
          encoded_tlvs: string;
          path_privkey: string;
          path_key: string;
          shared_secret: string;
          rho: string;
          encrypted_data: string;
          blinded_node_id: string;
        }[];
      };
      route: { first_node_id: string; first_path_key: string; hops: { blinded_node_id: string; encrypted_data: string }[] };
      unblind: {
        hops: {
          alias: string;
          node_privkey: string;
          path_key: string;
          blinded_privkey: string;
          decrypted_data: string;
          next_path_key: string;
          next_path_key_override?: string;
        }[];
      };
    },
  ];
  blinded_payment_onion: [
    {
      generate: {
        session_key: string;
        associated_data: string;
        final_amount_msat: number;
        final_cltv: number;
        blinded_route: {
          first_node_id: string;
          first_path_key: string;
          hops: { alias: string; blinded_node_id: string; encrypted_data: string }[];
        };
        full_route: { hops: { alias: string; pubkey: string; payload: string; tlvs: Record<string, unknown> }[] };
        onion: string;
      };
      decrypt: { hops: { alias: string; onion: string; node_privkey: string; next_path_key?: string }[] };
    },
  ];
  onion_message: [
    {
      generate: {
        session_key: string;
        hops: {
          alias: string;
          path_key_secret: string;
          tlvs: Record<string, string>;
          encrypted_data_tlv: string;
          ss: string;
          node_id_tweak: string;
          blinded_node_id: string;
          e: string;
          e_tweak: string;
          next_e: string;
          rho: string;
          encrypted_recipient_data: string;
        }[];
      };
      route: { first_node_id: string; first_path_key: string; hops: { blinded_node_id: string; encrypted_recipient_data: string }[] };
      onionmessage: { unknown_tag_1: string; onion_message_packet: string };
      decrypt: {
        hops: { alias: string; privkey: string; onion_message: string; next_node_id?: string; tlvs?: Record<string, string> }[];
      };
    },
  ];
}

/** The fixture, read once. */
export const V = JSON.parse(readFileSync(new URL('../../fixtures/bolt04.json', import.meta.url), 'utf8')) as Bolt04;

/** `"0x0x1729"` → the scid as a bigint (block << 40 | tx << 16 | output). */
export function scidOf(s: string): bigint {
  const [b, t, o] = s.split('x').map((x) => BigInt(x));
  return (b! << 40n) | (t! << 16n) | o!;
}

/** Drops the bigsize length prefix the vectors print before each hop payload (and checks it). */
export function stripLength(b: Uint8Array): Uint8Array {
  const r = new ByteReader(b);
  const n = r.bigSizeNumber();
  if (n !== r.remaining) throw new Error(`length prefix ${n} but ${r.remaining} bytes follow`);
  return r.rest().slice();
}

// Just enough DER to write a PKCS#8 secp256k1 private key (Web Crypto cannot export one).
import { concat } from "../bytes.js";

function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return concat(new Uint8Array([tag, ...len]), body);
}

const OID_EC_PUBLIC_KEY = new Uint8Array([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
const OID_SECP256K1 = new Uint8Array([0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a]);

/** PKCS#8 PrivateKeyInfo wrapping an RFC 5915 ECPrivateKey on secp256k1. */
export function secp256k1Pkcs8(d: Uint8Array, x: Uint8Array, y: Uint8Array): Uint8Array {
  const ecPrivateKey = tlv(
    0x30,
    concat(new Uint8Array([0x02, 0x01, 0x01]), tlv(0x04, d), tlv(0xa1, tlv(0x03, concat(new Uint8Array([0x00, 0x04]), x, y)))),
  );
  return tlv(
    0x30,
    concat(new Uint8Array([0x02, 0x01, 0x00]), tlv(0x30, concat(OID_EC_PUBLIC_KEY, OID_SECP256K1)), tlv(0x04, ecPrivateKey)),
  );
}

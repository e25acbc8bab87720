// PKCS#12 (RFC 7292) for certificate secrets and imports. Written the way Key Vault writes its own
// (the recorded secrets): the key in a pkcs8ShroudedKeyBag and the certificates in an encrypted
// SafeContents, both pbeWithSHAAnd3-KeyTripleDES-CBC with 2,000 iterations, and an HMAC-SHA-1 MAC,
// with an empty password. Read in that legacy form and in the PBES2 form OpenSSL 3 writes by
// default (PBKDF2 with HMAC-SHA-256, AES-CBC, an HMAC-SHA-256 MAC); keys may also sit unencrypted.
import { buf, bytesEqual, concat, randomBytes } from "../bytes.js";
import * as der from "./asn1.js";
import { Asn1Error } from "./asn1.js";
import { tripleDesCbc } from "./des.js";
import { pkcs8, readPkcs8, type CertKey } from "./x509.js";

/** Why a PKCS#12 file could not be read: a wrong password (its MAC does not verify) or a bad file. */
export class Pkcs12Error extends Error {
  override name = "Pkcs12Error";
  constructor(
    message: string,
    readonly reason: "password" | "format" | "unsupported",
  ) {
    super(message);
  }
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  keyBag: "1.2.840.113549.1.12.10.1.1",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  localKeyId: "1.2.840.113549.1.9.21",
  pbeSha1TripleDes: "1.2.840.113549.1.12.1.3",
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  sha1: "1.3.14.3.2.26",
};
const HMAC_PRF = new Map([
  ["1.2.840.113549.2.7", "SHA-1"],
  ["1.2.840.113549.2.9", "SHA-256"],
  ["1.2.840.113549.2.10", "SHA-384"],
  ["1.2.840.113549.2.11", "SHA-512"],
]);
const DIGESTS = new Map([
  [OID.sha1, "SHA-1"],
  ["2.16.840.1.101.3.4.2.1", "SHA-256"],
  ["2.16.840.1.101.3.4.2.2", "SHA-384"],
  ["2.16.840.1.101.3.4.2.3", "SHA-512"],
]);
const AES_CBC = new Map([
  ["2.16.840.1.101.3.4.1.2", 16],
  ["2.16.840.1.101.3.4.1.42", 32],
]);
const ITERATIONS = 2000;

/** The password as PKCS#12's own KDF takes it: BMPString (UTF-16BE) with a terminating zero. */
function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) {
    out[2 * i] = password.charCodeAt(i) >> 8;
    out[2 * i + 1] = password.charCodeAt(i) & 0xff;
  }
  return out;
}

/** RFC 7292 appendix B.2: the PKCS#12 key derivation (id 1 key, 2 IV, 3 MAC key). */
async function pkcs12Kdf(
  hash: string,
  password: Uint8Array,
  salt: Uint8Array,
  id: number,
  iterations: number,
  n: number,
): Promise<Uint8Array> {
  const u = hash === "SHA-1" ? 20 : hash === "SHA-256" ? 32 : hash === "SHA-384" ? 48 : 64;
  const v = hash === "SHA-384" || hash === "SHA-512" ? 128 : 64;
  const fill = (x: Uint8Array) => {
    const out = new Uint8Array(v * Math.ceil(x.length / v));
    for (let i = 0; i < out.length; i++) out[i] = x[i % x.length]!;
    return out;
  };
  const I = concat(fill(salt), password.length ? fill(password) : new Uint8Array());
  const D = new Uint8Array(v).fill(id);
  const out: Uint8Array[] = [];
  for (let got = 0; got < n; got += u) {
    let a = concat(D, I);
    for (let r = 0; r < iterations; r++) a = new Uint8Array(await crypto.subtle.digest(hash, buf(a)));
    out.push(a);
    const b = new Uint8Array(v);
    for (let i = 0; i < v; i++) b[i] = a[i % u]!;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const s = I[j + k]! + b[k]! + carry;
        I[j + k] = s & 0xff;
        carry = s >> 8;
      }
    }
  }
  return concat(...out).slice(0, n);
}

async function hmac(hash: string, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", buf(key), { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, buf(data)));
}

/** Encrypts with pbeWithSHAAnd3-KeyTripleDES-CBC; returns [AlgorithmIdentifier, ciphertext]. */
async function encrypt3Des(password: string, plain: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
  const salt = randomBytes(8);
  const pw = bmpPassword(password);
  const key = await pkcs12Kdf("SHA-1", pw, salt, 1, ITERATIONS, 24);
  const iv = await pkcs12Kdf("SHA-1", pw, salt, 2, ITERATIONS, 8);
  const alg = der.seq(der.oid(OID.pbeSha1TripleDes), der.seq(der.octets(salt), der.smallInt(ITERATIONS)));
  return [alg, tripleDesCbc("encrypt", key, iv, plain)!];
}

/** Decrypts with the algorithm an AlgorithmIdentifier names (3DES PBE or PBES2 with AES-CBC). */
async function decrypt(algNode: der.Node, password: string, data: Uint8Array, bmp = bmpPassword(password)): Promise<Uint8Array> {
  const [id, params] = der.expect(algNode, 0x30, 1);
  const alg = der.oidValue(id);
  if (alg === OID.pbeSha1TripleDes) {
    const [salt, iter] = der.expect(params, 0x30, 2);
    const pw = bmp;
    const s = der.value(salt, 0x04);
    const n = der.intValue(iter);
    const key = await pkcs12Kdf("SHA-1", pw, s, 1, n, 24);
    const iv = await pkcs12Kdf("SHA-1", pw, s, 2, n, 8);
    const plain = tripleDesCbc("decrypt", key, iv, data);
    if (!plain) throw new Pkcs12Error("The PKCS#12 content cannot be decrypted: the password is wrong.", "password");
    return plain;
  }
  if (alg === OID.pbes2) {
    const [kdf, scheme] = der.expect(params, 0x30, 2);
    const [kdfId, kdfParams] = der.expect(kdf, 0x30, 2);
    if (der.oidValue(kdfId) !== OID.pbkdf2) throw new Pkcs12Error("Only PBKDF2 is supported in PBES2.", "unsupported");
    const p = der.expect(kdfParams, 0x30, 2);
    const salt = der.value(p[0], 0x04);
    const iterations = der.intValue(p[1]);
    const prfNode = p.slice(2).find((x) => x.tag === 0x30);
    const prf = prfNode ? HMAC_PRF.get(der.oidValue(der.expect(prfNode, 0x30, 1)[0])) : "SHA-1";
    const [encId, ivNode] = der.expect(scheme, 0x30, 2);
    const size = AES_CBC.get(der.oidValue(encId));
    if (!prf || !size)
      throw new Pkcs12Error("This PBES2 cipher or PRF is not supported (AES-128/256-CBC with HMAC-SHA-1/2 are).", "unsupported");
    const base = await crypto.subtle.importKey("raw", buf(new TextEncoder().encode(password)), "PBKDF2", false, ["deriveKey"]);
    const key = await crypto.subtle.deriveKey(
      { name: "PBKDF2", salt: buf(salt), iterations, hash: prf },
      base,
      { name: "AES-CBC", length: size * 8 },
      false,
      ["decrypt"],
    );
    try {
      return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv: buf(der.value(ivNode, 0x04)) }, key, buf(data)));
    } catch {
      throw new Pkcs12Error("The PKCS#12 content cannot be decrypted: the password is wrong.", "password");
    }
  }
  throw new Pkcs12Error(`The PKCS#12 encryption algorithm ${alg} is not supported (3DES and PBES2/AES are).`, "unsupported");
}

/**
 * Writes a PKCS#12 file holding `key` and `certs` (the leaf first), as Key Vault writes its
 * certificates' secrets: 3DES-protected bags, an HMAC-SHA-1 MAC, the given password ("" by default).
 * Without a key (a non-exportable certificate's secret) it holds the certificates only.
 */
export async function writePkcs12(key: CertKey | undefined, certs: Uint8Array[], password = ""): Promise<Uint8Array> {
  const localKeyId = der.set(der.seq(der.oid(OID.localKeyId), der.set(der.octets(new Uint8Array([1, 0, 0, 0])))));
  const contents: Uint8Array[] = [];
  if (key) {
    const [keyAlg, keyCipher] = await encrypt3Des(password, pkcs8(key));
    const keyBag = der.seq(der.oid(OID.shroudedKeyBag), der.explicit(0, der.seq(keyAlg, der.octets(keyCipher))), localKeyId);
    contents.push(der.seq(der.oid(OID.data), der.explicit(0, der.octets(der.seq(keyBag)))));
  }
  const certBags = certs.map((c, i) =>
    der.seq(
      der.oid(OID.certBag),
      der.explicit(0, der.seq(der.oid(OID.x509Certificate), der.explicit(0, der.octets(c)))),
      ...(i === 0 && key ? [localKeyId] : []),
    ),
  );
  const [certAlg, certCipher] = await encrypt3Des(password, der.seq(...certBags));
  contents.push(
    der.seq(
      der.oid(OID.encryptedData),
      der.explicit(0, der.seq(der.smallInt(0), der.seq(der.oid(OID.data), certAlg, der.tlv(0x80, certCipher)))),
    ),
  );
  const authSafe = der.seq(...contents);
  const macSalt = randomBytes(20);
  const macKey = await pkcs12Kdf("SHA-1", bmpPassword(password), macSalt, 3, ITERATIONS, 20);
  const mac = await hmac("SHA-1", macKey, authSafe);
  return der.seq(
    der.smallInt(3),
    der.seq(der.oid(OID.data), der.explicit(0, der.octets(authSafe))),
    der.seq(der.seq(der.seq(der.oid(OID.sha1), der.nul()), der.octets(mac)), der.octets(macSalt), der.smallInt(ITERATIONS)),
  );
}

/** What a PKCS#12 file holds: its private key (none in a non-exportable certificate's) and its certificates (DER), in file order. */
export interface Pkcs12Contents {
  key: CertKey | undefined;
  certs: Uint8Array[];
}

/** Reads a PKCS#12 file (with one private key or none); throws Pkcs12Error (wrong password, unsupported algorithm, malformed). */
export async function readPkcs12(bytes: Uint8Array, password = ""): Promise<Pkcs12Contents> {
  try {
    return await read(bytes, password);
  } catch (e) {
    if (e instanceof Pkcs12Error) throw e;
    if (e instanceof Asn1Error || e instanceof TypeError || e instanceof RangeError)
      throw new Pkcs12Error(`The PKCS#12 content is not valid: ${e.message}`, "format");
    throw e;
  }
}

async function read(bytes: Uint8Array, password: string): Promise<Pkcs12Contents> {
  const [version, authSafeInfo, macData] = der.expect(der.parse(bytes), 0x30, 2);
  if (der.intValue(version) !== 3) throw new Pkcs12Error("Only PKCS#12 version 3 is supported.", "format");
  const [contentType, wrapped] = der.expect(authSafeInfo, 0x30, 2);
  if (der.oidValue(contentType) !== OID.data) throw new Pkcs12Error("Only password-integrity PKCS#12 files are supported.", "unsupported");
  const authSafe = der.value(der.expect(wrapped, 0xa0, 1)[0], 0x04);
  // An empty password is two zero bytes for OpenSSL but no bytes at all for Windows (Key Vault's
  // own files): whichever the MAC verifies with decrypts the bags too.
  let bmp = bmpPassword(password);
  if (macData) {
    const [digestInfo, salt, iter] = der.expect(macData, 0x30, 2);
    const [alg, digest] = der.expect(digestInfo, 0x30, 2);
    const hash = DIGESTS.get(der.oidValue(der.expect(alg, 0x30, 1)[0]));
    if (!hash) throw new Pkcs12Error("The PKCS#12 MAC algorithm is not supported.", "unsupported");
    const expected = der.value(digest, 0x04);
    const iterations = iter ? der.intValue(iter) : 1;
    const verifies = async (pw: Uint8Array) =>
      bytesEqual(await hmac(hash, await pkcs12Kdf(hash, pw, der.value(salt, 0x04), 3, iterations, expected.length), authSafe), expected);
    if (!(await verifies(bmp))) {
      if (password !== "" || !(await verifies(new Uint8Array())))
        throw new Pkcs12Error("The PKCS#12 MAC does not verify: the password is wrong or the file is damaged.", "password");
      bmp = new Uint8Array();
    }
  }
  const keys: CertKey[] = [];
  const certs: Uint8Array[] = [];
  for (const info of der.expect(der.parse(authSafe), 0x30)) {
    const [type, content] = der.expect(info, 0x30, 2);
    const kind = der.oidValue(type);
    let safeContents: Uint8Array;
    if (kind === OID.data) safeContents = der.value(der.expect(content, 0xa0, 1)[0], 0x04);
    else if (kind === OID.encryptedData) {
      const [, encInfo] = der.expect(der.expect(content, 0xa0, 1)[0], 0x30, 2);
      const [, alg, cipher] = der.expect(encInfo, 0x30, 3);
      safeContents = await decrypt(alg!, password, der.value(cipher, 0x80), bmp);
    } else throw new Pkcs12Error("Enveloped PKCS#12 content is not supported.", "unsupported");
    for (const bag of der.expect(der.parse(safeContents), 0x30)) {
      const [bagId, bagValue] = der.expect(bag, 0x30, 2);
      const inner = der.expect(bagValue, 0xa0, 1)[0]!;
      const id = der.oidValue(bagId);
      if (id === OID.keyBag) keys.push(await readPkcs8(inner.raw));
      else if (id === OID.shroudedKeyBag) {
        const [alg, cipher] = der.expect(inner, 0x30, 2);
        keys.push(await readPkcs8(await decrypt(alg!, password, der.value(cipher, 0x04), bmp)));
      } else if (id === OID.certBag) {
        const [certType, certValue] = der.expect(inner, 0x30, 2);
        if (der.oidValue(certType) === OID.x509Certificate) certs.push(der.value(der.expect(certValue, 0xa0, 1)[0], 0x04).slice());
      }
    }
  }
  if (keys.length > 1) throw new Pkcs12Error(`The PKCS#12 file must hold at most one private key; it holds ${keys.length}.`, "format");
  if (!certs.length) throw new Pkcs12Error("The PKCS#12 file holds no certificate.", "format");
  return { key: keys[0], certs };
}

// The DER reader and getCertificateWithKey against certificates OpenSSL makes: RSA, EC P-256,
// P-384, P-521 and secp256k1 leaves issued by a CA, with SANs of every kind. What the reader says
// must equal what `openssl x509` says; the key getCertificateWithKey returns must sign what the
// certificate's public key verifies; secp256k1 is refused with the fix named; and the emulator's
// PKCS#12 secrets as openssl reads them (a non-exportable certificate's holds no key).
import type { Lib, SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const VAULT = "https://openssl.vault.azure.net";

interface Made {
  name: string;
  dir: string;
  /** PEM: the leaf's key (PKCS #8), the leaf, the CA (what the vault's PEM secret holds, CA before leaf to test the ordering) */
  secret: string;
  leafPem: string;
  leafDer: Uint8Array<ArrayBuffer>;
  caDer: Uint8Array<ArrayBuffer>;
}

const openssl = (dir: string, ...args: string[]) =>
  execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function der(pem: string): Uint8Array<ArrayBuffer> {
  const body = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)![1]!.replace(/\s+/g, "");
  return new Uint8Array(Buffer.from(body, "base64"));
}

function make(name: string, keyArgs: string[]): Made {
  const dir = mkdtempSync(join(tmpdir(), `kvf-cert-${name}-`));
  openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "30",
    "-subj",
    "/C=NL/O=Example CA/CN=Example Root",
  );
  openssl(dir, "genpkey", ...keyArgs, "-out", "leaf.key");
  openssl(dir, "req", "-new", "-key", "leaf.key", "-out", "leaf.csr", "-subj", `/C=US/O=Example, Inc./OU=Ops+Dev/CN=${name}.example.com`);
  writeFileSync(
    join(dir, "ext.cnf"),
    "subjectAltName=DNS:api.example.com,DNS:*.example.org,email:ops@example.com,IP:10.1.2.3,URI:https://example.com/id,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:svc@example.com\n",
  );
  openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "leaf.pem",
    "-days",
    "7",
    "-extfile",
    "ext.cnf",
  );
  // Key Vault's PEM secret: PKCS #8 key first, then certificates (here the CA first: the reader must order them).
  const key = openssl(dir, "pkey", "-in", "leaf.key");
  const leafPem = readFileSync(join(dir, "leaf.pem"), "utf8");
  const caPem = readFileSync(join(dir, "ca.pem"), "utf8");
  return { name, dir, secret: key + caPem + leafPem, leafPem, leafDer: der(leafPem), caDer: der(caPem) };
}

const suite: SuiteFile = (t, lib: Lib) => {
  const c = lib.certificates;
  const made: Made[] = [];
  const kinds: [
    string,
    string[],
    { name: string; hash?: string; namedCurve?: string },
    { name: string; hash?: string; saltLength?: number },
  ][] = [
    [
      "rsa",
      ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      { name: "RSASSA-PKCS1-v1_5" },
    ],
    [
      "p256",
      ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
      { name: "ECDSA", namedCurve: "P-256" },
      { name: "ECDSA", hash: "SHA-256" },
    ],
    [
      "p384",
      ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
      { name: "ECDSA", namedCurve: "P-384" },
      { name: "ECDSA", hash: "SHA-384" },
    ],
    [
      "p521",
      ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
      { name: "ECDSA", namedCurve: "P-521" },
      { name: "ECDSA", hash: "SHA-512" },
    ],
  ];
  const byName = (name: string) => {
    let m = made.find((x) => x.name === name);
    if (!m) {
      const kind = kinds.find((k) => k[0] === name);
      m = make(name, kind ? kind[1] : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"]);
      made.push(m);
    }
    return m;
  };
  const clientServing = (secret: string) =>
    new lib.core.KeyVaultClient(VAULT, {
      getToken: () => "t",
      challenge: { scope: "https://vault.azure.net/.default" },
      fetch: async () =>
        Response.json({ value: secret, id: `${VAULT}/secrets/c/0123456789abcdef`, kid: `${VAULT}/keys/c/0123456789abcdef` }),
    });

  t.group("certificates and OpenSSL", () => {
    for (const [name, , , signParams] of kinds) {
      t.test(`${name}: the DER reader says what openssl x509 says`, async () => {
        const m = byName(name);
        const info = c.parseCertificate(m.leafDer);
        const x509 = (...args: string[]) => openssl(m.dir, "x509", "-in", "leaf.pem", "-noout", ...args).trim();
        // RFC 2253 order and escaping as OpenSSL prints it (no space after commas).
        assert.equal(info.subject.replace(/(?<!\\), /g, ","), x509("-subject", "-nameopt", "RFC2253").replace(/^subject=/, ""));
        assert.equal(info.issuer, "CN=Example Root, O=Example CA, C=NL");
        assert.equal(info.notBefore.getTime(), new Date(x509("-startdate").replace("notBefore=", "")).getTime());
        assert.equal(info.notAfter.getTime(), new Date(x509("-enddate").replace("notAfter=", "")).getTime());
        assert.equal(info.serialNumber, x509("-serial").replace("serial=", "").toUpperCase());
        assert.deepEqual(info.subjectAltNames, {
          dnsNames: ["api.example.com", "*.example.org"],
          emails: ["ops@example.com"],
          uris: ["https://example.com/id"],
          ipAddresses: ["10.1.2.3"],
          userPrincipalNames: ["svc@example.com"],
        });
        const { x5t, x5tS256 } = await c.certificateThumbprints(m.leafDer);
        const hex = (b64url: string) => Buffer.from(b64url, "base64url").toString("hex").toUpperCase().match(/../g)!.join(":");
        assert.equal(hex(x5t), x509("-fingerprint", "-sha1").split("=")[1]);
        assert.equal(hex(x5tS256), x509("-fingerprint", "-sha256").split("=")[1]);
        assert.deepEqual(info.publicKey, name === "rsa" ? { kty: "RSA", bits: 2048 } : { kty: "EC", crv: `P-${name.slice(1)}` });
      });

      t.test(`${name}: getCertificateWithKey signs, the certificate's public key verifies, the chain is leaf first`, async () => {
        const m = byName(name);
        const got = await c.getCertificateWithKey(clientServing(m.secret), "c");
        assert.deepEqual(got.certificate, m.leafDer);
        assert.deepEqual(got.chain, [m.leafDer, m.caDer], "leaf first, then its issuer");
        assert.deepEqual([got.privateKey.extractable, got.privateKey.usages], [false, ["sign"]]);
        assert.equal(got.pem.certificate.replace(/\s+/g, ""), m.leafPem.replace(/\s+/g, ""));
        assert.equal(got.keyId, `${VAULT}/keys/c/0123456789abcdef`);
        const data = new TextEncoder().encode(`signed by ${name}`);
        const signature = await crypto.subtle.sign(signParams, got.privateKey as CryptoKey, data);
        const publicKey = (await c.importCertificatePublicKey(m.leafDer)) as CryptoKey;
        assert.ok(await crypto.subtle.verify(signParams, publicKey, signature, data), "verifies under the certificate's key");
        // And OpenSSL agrees (an outside verifier), for the DER (EC) or PKCS #1 (RSA) signature.
        const sigFile = join(m.dir, "sig.bin");
        const dataFile = join(m.dir, "data.bin");
        let derSig = new Uint8Array(signature);
        if (name !== "rsa") derSig = ecdsaToDer(derSig);
        writeFileSync(sigFile, derSig);
        writeFileSync(dataFile, data);
        openssl(m.dir, "x509", "-in", "leaf.pem", "-pubkey", "-noout", "-out", "pub.pem");
        const digest = name === "p384" ? "-sha384" : name === "p521" ? "-sha512" : "-sha256";
        assert.match(openssl(m.dir, "dgst", digest, "-verify", "pub.pem", "-signature", sigFile, dataFile), /Verified OK/);
        const extractable = await c.getCertificateWithKey(clientServing(m.secret), "c", undefined, { extractable: true });
        assert.equal(extractable.privateKey.extractable, true, "extractable only when asked");
      });
    }

    t.test("secp256k1: the DER reader names the curve; getCertificateWithKey refuses it naming the fix", async () => {
      const m = byName("k256");
      assert.deepEqual(c.parseCertificate(m.leafDer).publicKey, { kty: "EC", crv: "P-256K" });
      await assert.rejects(() => c.getCertificateWithKey(clientServing(m.secret), "c"), {
        code: "ERR_UNSUPPORTED",
        message: /P-256K.*sign in the vault.*P-256, P-384 or P-521/,
      });
    });

    t.test("a PKCS #1 key (BEGIN RSA PRIVATE KEY) is refused as not PKCS #8; none of its bytes is in the error", async () => {
      const m = byName("rsa");
      const pkcs1 = openssl(m.dir, "pkey", "-in", "leaf.key", "-traditional");
      const body = pkcs1.split("\n")[5]!;
      const e = await assert.rejects(() => c.getCertificateWithKey(clientServing(pkcs1 + m.leafPem), "c"), { code: "ERR_UNSUPPORTED" });
      assert.ok(!JSON.stringify({ m: e.message, s: e.stack }).includes(body), "no key line in the error");
    });

    t.test("the emulator's PKCS#12 secrets as openssl reads them: a non-exportable certificate's holds the certificate only", async () => {
      const emu = lib.emulator.createEmulator({ certificateDelayMs: 0 });
      const client = new c.CertificateClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      const dir = mkdtempSync(join(tmpdir(), "kvf-cert-pfx-"));
      try {
        for (const exportable of [false, true]) {
          const name = exportable ? "exportable" : "kept";
          await client.createCertificate(name, { issuerName: "Self", subject: `CN=${name}`, keyType: "EC", exportable }, { wait: true });
          const { value } = await lib.secrets.getSecret(client, name);
          writeFileSync(join(dir, `${name}.pfx`), Buffer.from(value, "base64"));
          const out = openssl(dir, "pkcs12", "-in", `${name}.pfx`, "-passin", "pass:", "-nodes");
          const labels = [...out.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]);
          assert.deepEqual(labels, exportable ? ["PRIVATE KEY", "CERTIFICATE"] : ["CERTIFICATE"], name);
          assert.deepEqual(der(out), (await client.getCertificate(name)).cer, `${name}: the vault's certificate`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    t.test("cleanup", () => {
      for (const m of made) rmSync(m.dir, { recursive: true, force: true });
    });
  });
};

/** Web Crypto's raw r||s ECDSA signature as the DER SEQUENCE OpenSSL reads. */
function ecdsaToDer(raw: Uint8Array): Uint8Array<ArrayBuffer> {
  const half = raw.length / 2;
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.slice(i);
    return v[0]! & 0x80 ? [0, ...v] : [...v];
  };
  const r = int(raw.slice(0, half)),
    s = int(raw.slice(half));
  const body = [0x02, r.length, ...r, 0x02, s.length, ...s];
  return new Uint8Array(body.length > 127 ? [0x30, 0x81, body.length, ...body] : [0x30, body.length, ...body]);
}

export default suite;

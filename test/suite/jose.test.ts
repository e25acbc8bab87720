// keyvault-fetch/jose with `jose` as the independent judge: JWTs signed in the (emulated) vault
// verify with jose, tampering is caught, the JWKS is what createRemoteJWKSet reads, and JWE
// works both ways (ours → jose with the private key; jose → the vault's unwrapKey).
import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import * as jose from "jose";
import fc from "fast-check";
import { decodeJwt, once, uniqueName } from "./entra-helpers.js";

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient, request } = lib.core;
  const { signJwt, signJws, getJwks, getPublicJwk, encryptJwe, encryptJweToJwk, decryptJwe, publishJwk } = lib.jose;

  const setup = (prefix: string) => {
    const emu = lib.emulator.createEmulator({ name: uniqueName(prefix) });
    const client = new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
    const create = (name: string, body: Record<string, unknown>) =>
      request<{ key: JsonWebKey & { kid: string } }>(client, "POST", `/keys/${name}/create`, body).then((b) => b.key);
    const since = () => {
      const n = emu.requests.length;
      return () => emu.requests.slice(n);
    };
    return { emu, client, create, since };
  };
  const now = () => Math.floor(Date.now() / 1000);
  const verifyWith = async (token: string, jwk: JsonWebKey, alg: string, options: jose.JWTVerifyOptions = {}) =>
    jose.jwtVerify(
      token,
      await jose.importJWK({ kty: jwk.kty!.replace("-HSM", ""), n: jwk.n, e: jwk.e, crv: jwk.crv, x: jwk.x, y: jwk.y } as jose.JWK, alg),
      options,
    );

  /** An RSA key pair made here and imported into the vault, so jose can hold the private key. */
  const rsaPair = once(async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["encrypt", "decrypt"],
    )) as CryptoKeyPair;
    return { privateJwk: await crypto.subtle.exportKey("jwk", pair.privateKey) };
  });
  const importRsa = async (client: InstanceType<typeof KeyVaultClient>, name: string) => {
    const { privateJwk } = await rsaPair();
    const { kty, n, e, d, p, q, dp, dq, qi } = privateJwk;
    const bundle = await request<{ key: JsonWebKey & { kid: string } }>(client, "PUT", `/keys/${name}`, {
      key: { kty, n, e, d, p, q, dp, dq, qi, key_ops: ["encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"] },
    });
    const privateKey = await jose.importJWK({ kty: "RSA", n, e, d, p, q, dp, dq, qi } as jose.JWK, "RSA-OAEP-256");
    return { kid: bundle.key.kid, publicJwk: bundle.key, privateJwk, privateKey };
  };

  t.group("jose › JWT signed in the vault", () => {
    for (const [alg, crv] of [
      ["ES256", "P-256"],
      ["ES384", "P-384"],
      ["ES512", "P-521"],
    ] as const) {
      t.test(`${alg}: jose.jwtVerify accepts it; kid is the exact version`, async () => {
        const { client, create } = setup(`jws${alg}`);
        const key = await create("signer", { kty: "EC", crv });
        const payload = { sub: "user-1", aud: "api://demo", iat: now(), exp: now() + 300, nested: { a: [1, "ü"] } };
        const token = await signJwt(client, "signer", { alg, payload });
        const { payload: got, protectedHeader } = await verifyWith(token, key, alg, { audience: "api://demo" });
        assert.deepEqual(got, payload);
        assert.deepEqual(protectedHeader, { typ: "JWT", alg, kid: key.kid });
        assert.equal(lib.core.base64UrlDecode(token.split(".")[2]!).length, { ES256: 64, ES384: 96, ES512: 132 }[alg], "raw r||s");
      });
    }

    t.test("RS256/384/512 and PS256/384/512 with one RSA key; a versioned key costs one request", async () => {
      const { client, create, since } = setup("jwsrsa");
      const key = await create("rsa", { kty: "RSA", key_size: 2048 });
      for (const alg of ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"] as const) {
        const requests = since();
        const token = await signJwt(client, key.kid, { alg, payload: { n: alg }, header: { cty: "x" } });
        assert.equal(requests().length, 1, `${alg}: only the sign call`);
        const { payload, protectedHeader } = await verifyWith(token, key, alg);
        assert.equal(payload.n, alg);
        assert.equal(protectedHeader.kid, key.kid);
        assert.equal(protectedHeader.cty, "x");
      }
      const version = key.kid.split("/").pop()!;
      const viaNameVersion = await signJwt(client, `rsa/${version}`, { alg: "PS256", payload: {} });
      assert.equal(decodeJwt(lib, viaNameVersion).header.kid, `${client.vaultUrl}/keys/rsa/${version}`);
    });

    t.test("tampered payload, header or signature, and the alg none trick, are all rejected by jose", async () => {
      const { client, create } = setup("jwstamper");
      const key = await create("signer", { kty: "EC", crv: "P-256" });
      const token = await signJwt(client, "signer", { alg: "ES256", payload: { sub: "alice", admin: false } });
      const [h, p, s] = token.split(".") as [string, string, string];
      const enc = (o: unknown) => lib.core.base64UrlEncode(lib.core.utf8Encode(JSON.stringify(o)));
      const forged = [
        `${h}.${enc({ sub: "alice", admin: true })}.${s}`,
        `${enc({ alg: "ES256", kid: "other" })}.${p}.${s}`,
        `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`,
        `${enc({ alg: "none" })}.${p}.`,
      ];
      for (const f of forged) await assert.rejects(() => verifyWith(f, key, "ES256"), {}, f.slice(0, 40));
      await verifyWith(token, key, "ES256");
    });

    t.test("an expired JWT is rejected by jose; a not-yet-valid one too", async () => {
      const { client, create } = setup("jwsexp");
      const key = await create("signer", { kty: "EC", crv: "P-256" });
      const expired = await signJwt(client, "signer", { alg: "ES256", payload: { exp: now() - 60 } });
      const e = await assert.rejects(() => verifyWith(expired, key, "ES256"));
      assert.equal(e.code, "ERR_JWT_EXPIRED");
      const early = await signJwt(client, "signer", { alg: "ES256", payload: { nbf: now() + 3600 } });
      const e2 = await assert.rejects(() => verifyWith(early, key, "ES256"));
      assert.equal(e2.code, "ERR_JWT_CLAIM_VALIDATION_FAILED");
    });

    t.test("compact JWS of bytes; wrong algorithm for the key, foreign kid and bad input are refused before signing", async () => {
      const { client, create, since } = setup("jwsbad");
      const key = await create("ec", { kty: "EC", crv: "P-256" });
      const jws = await signJws(client, "ec", { alg: "ES256", payload: new Uint8Array([0, 1, 2, 255]) });
      const { payload } = await jose.compactVerify(
        jws,
        await jose.importJWK({ kty: "EC", crv: "P-256", x: key.x, y: key.y } as jose.JWK, "ES256"),
      );
      assert.deepEqual(payload, new Uint8Array([0, 1, 2, 255]));
      const requests = since();
      await assert.rejects(() => signJwt(client, "ec", { alg: "RS256", payload: {} }), { code: "ERR_INVALID_INPUT", message: /RSA/ });
      await assert.rejects(() => signJwt(client, "ec", { alg: "ES384", payload: {} }), { code: "ERR_INVALID_INPUT", message: /P-384/ });
      assert.ok(!requests().some((r) => r.url.includes("/sign")), "no sign call");
      await assert.rejects(() => signJwt(client, "https://other.vault.azure.net/keys/ec/0123", { alg: "ES256", payload: {} }), {
        code: "ERR_FOREIGN_ORIGIN",
      });
      await assert.rejects(() => signJwt(client, "ec", { alg: "HS256" as any, payload: {} }), { code: "ERR_INVALID_INPUT" });
      await assert.rejects(() => signJwt(client, "ec", { alg: "ES256", payload: "x" as any }), { code: "ERR_INVALID_INPUT" });
      await assert.rejects(() => signJwt(client, "bad name!", { alg: "ES256", payload: {} }), { code: "ERR_INVALID_INPUT" });
    });
  });

  t.group("jose › JWKS", () => {
    t.test("the enabled versions, with kid, alg and use, public members only; createRemoteJWKSet verifies each", async () => {
      const { client, create } = setup("jwks");
      const v1 = await create("signer", { kty: "EC", crv: "P-256" });
      const v2 = (await request<{ key: { kid: string } }>(client, "POST", "/keys/signer/rotate")).key;
      const v3 = await create("signer", { kty: "EC", crv: "P-256" });
      const t1 = await signJwt(client, v1.kid, { alg: "ES256", payload: { v: 1 } });
      await request(client, "PATCH", `/keys/signer/${v2.kid.split("/").pop()}`, { attributes: { enabled: false } });
      const jwks = await getJwks(client, "signer");
      assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [v1.kid, v3.kid].sort());
      for (const k of jwks.keys) {
        assert.deepEqual(Object.keys(k).sort(), ["alg", "crv", "kid", "kty", "use", "x", "y"]);
        assert.equal(k.alg, "ES256");
        assert.equal(k.use, "sig");
        assert.equal(k.kty, "EC");
      }
      let fetched = 0;
      const remote = jose.createRemoteJWKSet(new URL("https://issuer.example/.well-known/jwks.json"), {
        [jose.customFetch]: async () => {
          fetched++;
          return Response.json(jwks);
        },
      });
      const t3 = await signJwt(client, "signer", { alg: "ES256", payload: { v: 3 } });
      assert.equal((await jose.jwtVerify(t1, remote)).payload.v, 1);
      assert.equal((await jose.jwtVerify(t3, remote)).payload.v, 3);
      assert.ok(fetched >= 1);
      // The disabled version cannot sign any more, and a token naming it finds no key.
      await assert.rejects(() => signJwt(client, v2.kid, { alg: "ES256", payload: {} }), { name: "KeyVaultError", status: 403 });
      const forged = `${lib.core.base64UrlEncode(lib.core.utf8Encode(JSON.stringify({ alg: "ES256", kid: v2.kid })))}.${t1.split(".")[1]}.${t1.split(".")[2]}`;
      await assert.rejects(() => jose.jwtVerify(forged, remote));
    });

    t.test("RSA keys: alg and use are the caller's (RS256/sig by default, RSA-OAEP-256/enc); nextLink pages are followed", async () => {
      const { emu } = setup("jwksrsa");
      // Pages of two versions, so three versions take two pages.
      let listed = 0;
      const client = new KeyVaultClient(emu.vaultUrl, {
        getToken: emu.getToken,
        fetch: (input, init) => {
          const url = String(input instanceof Request ? input.url : input).replace("maxresults=25", "maxresults=2");
          if (/\/versions\?/.test(url)) listed++;
          return emu.fetch(url, init);
        },
      });
      const { kid } = await importRsa(client, "rsa");
      for (let i = 0; i < 2; i++) await request(client, "POST", "/keys/rsa/rotate");
      const sig = await getJwks(client, "rsa");
      assert.equal(sig.keys.length, 3);
      assert.ok(listed >= 2, `pages fetched: ${listed}`);
      assert.ok(sig.keys.some((k) => k.kid === kid));
      assert.ok(sig.keys.every((k) => k.alg === "RS256" && k.use === "sig" && k.kty === "RSA" && !("d" in k) && !("p" in k)));
      const enc = await getJwks(client, "rsa", { use: "enc" });
      assert.ok(enc.keys.every((k) => k.alg === "RSA-OAEP-256" && k.use === "enc"));
      const ps = await getJwks(client, "rsa", { alg: "PS256" });
      assert.ok(ps.keys.every((k) => k.alg === "PS256"));
      const local = jose.createLocalJWKSet(ps);
      const token = await signJwt(client, "rsa", { alg: "PS256", payload: { ok: true } });
      assert.equal((await jose.jwtVerify(token, local)).payload.ok, true);
      assert.equal(publishJwk(await getPublicJwk(client, kid), { use: "enc" }).alg, "RSA-OAEP-256");
      await assert.rejects(() => getJwks(client, "missing"), { name: "KeyVaultError", status: 404 });
    });
  });

  t.group("jose › JWE envelope encryption", () => {
    t.test("ours (RSA-OAEP-256 + A256GCM) decrypts with jose given the private key", async () => {
      const { client } = setup("jweout");
      const { kid, privateKey } = await importRsa(client, "env");
      const text = "envelope ✓ " + "x".repeat(1000);
      const jwe = await encryptJwe(client, "env", text, { header: { cty: "text/plain" } });
      const { plaintext, protectedHeader } = await jose.compactDecrypt(jwe, privateKey);
      assert.equal(new TextDecoder().decode(plaintext), text);
      assert.deepEqual(protectedHeader, { cty: "text/plain", alg: "RSA-OAEP-256", enc: "A256GCM", kid });
      for (const enc of ["A128GCM", "A128CBC-HS256", "A256CBC-HS512"] as const) {
        const other = await encryptJwe(client, kid, new Uint8Array([1, 2, 3]), { enc });
        assert.deepEqual(
          (await jose.compactDecrypt(other, privateKey, { contentEncryptionAlgorithms: [enc] })).plaintext,
          new Uint8Array([1, 2, 3]),
          enc,
        );
      }
      const sha1 = await encryptJwe(client, kid, "sha1 oaep", { alg: "RSA-OAEP" });
      const { n, e, d, p, q, dp, dq, qi } = (await rsaPair()).privateJwk;
      const oaep1 = await jose.importJWK({ kty: "RSA", n, e, d, p, q, dp, dq, qi } as jose.JWK, "RSA-OAEP");
      assert.equal(new TextDecoder().decode((await jose.compactDecrypt(sha1, oaep1)).plaintext), "sha1 oaep");
    });

    t.test("jose.CompactEncrypt to the vault key's public JWK decrypts with one unwrapKey", async () => {
      const { client } = setup("jwein");
      const { kid, publicJwk } = await importRsa(client, "env");
      const publicKey = await jose.importJWK({ kty: "RSA", n: publicJwk.n, e: publicJwk.e } as jose.JWK, "RSA-OAEP-256");
      for (const [alg, enc] of [
        ["RSA-OAEP-256", "A256GCM"],
        ["RSA-OAEP-256", "A128CBC-HS256"],
        ["RSA-OAEP", "A128GCM"],
        ["RSA-OAEP-256", "A256CBC-HS512"],
      ] as const) {
        const key =
          alg === "RSA-OAEP" ? await jose.importJWK({ kty: "RSA", n: publicJwk.n, e: publicJwk.e } as jose.JWK, "RSA-OAEP") : publicKey;
        const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(`hello ${enc}`))
          .setProtectedHeader({ alg, enc, kid })
          .encrypt(key);
        const out = await decryptJwe(client, jwe);
        assert.equal(out.text(), `hello ${enc}`);
        assert.equal(out.kid, kid);
        assert.equal(out.protectedHeader.enc, enc);
      }
    });

    t.test("exactly one vault request per decryption (the unwrapKey); the public key is fetched once per version", async () => {
      const { client, since } = setup("jweone");
      const { kid } = await importRsa(client, "env");
      let requests = since();
      const a = await encryptJwe(client, kid, "one");
      const b = await encryptJwe(client, kid, "two");
      assert.deepEqual(
        requests().map((r) => r.method),
        ["GET"],
        "one GET for both",
      );
      requests = since();
      assert.equal((await decryptJwe(client, a)).text(), "one");
      const seen = requests();
      assert.equal(seen.length, 1);
      assert.match(seen[0]!.url, /\/keys\/env\/[0-9a-f]{32}\/unwrapkey\?/);
      assert.equal((await decryptJwe(client, b, { key: kid })).text(), "two");
      // Offline encryption to a JWK kept in configuration.
      const jwk = await getPublicJwk(client, kid);
      requests = since();
      const c = await encryptJweToJwk(jwk, "three");
      assert.equal(requests().length, 0);
      assert.equal((await decryptJwe(client, c)).text(), "three");
    });

    t.test("tampered or disallowed JWEs are refused", async () => {
      const { client } = setup("jwetamper");
      const { kid } = await importRsa(client, "env");
      const jwe = await encryptJwe(client, kid, "secret message");
      const parts = jwe.split(".");
      const flip = (s: string) => {
        const b = lib.core.base64UrlDecode(s);
        b[0] = b[0]! ^ 1;
        return lib.core.base64UrlEncode(b);
      };
      const enc = (o: unknown) => lib.core.base64UrlEncode(lib.core.utf8Encode(JSON.stringify(o)));
      const header = JSON.parse(lib.core.utf8Decode(lib.core.base64UrlDecode(parts[0]!)));
      const withPart = (i: number, v: string) => parts.map((p, j) => (j === i ? v : p)).join(".");
      await assert.rejects(() => decryptJwe(client, withPart(3, flip(parts[3]!))), { code: "ERR_JWE_DECRYPTION_FAILED" }, "ciphertext");
      await assert.rejects(() => decryptJwe(client, withPart(4, flip(parts[4]!))), { code: "ERR_JWE_DECRYPTION_FAILED" }, "tag");
      await assert.rejects(() => decryptJwe(client, withPart(2, flip(parts[2]!))), { code: "ERR_JWE_DECRYPTION_FAILED" }, "iv");
      await assert.rejects(
        () => decryptJwe(client, withPart(0, enc({ ...header, cty: "x" }))),
        { code: "ERR_JWE_DECRYPTION_FAILED" },
        "header (AAD)",
      );
      await assert.rejects(() => decryptJwe(client, withPart(1, flip(parts[1]!))), { code: "ERR_JWE_DECRYPTION_FAILED" }, "encrypted key");
      await assert.rejects(() => decryptJwe(client, withPart(0, enc({ ...header, alg: "RSA1_5" }))), { code: "ERR_JWE_INVALID" }, "RSA1_5");
      await assert.rejects(
        () => decryptJwe(client, withPart(0, enc({ ...header, enc: "A256GCM", zip: "DEF" }))),
        { code: "ERR_UNSUPPORTED" },
        "zip",
      );
      await assert.rejects(
        () => decryptJwe(client, withPart(0, enc({ ...header, crit: ["exp"], exp: 1 }))),
        { code: "ERR_JWE_INVALID" },
        "crit",
      );
      await assert.rejects(() => decryptJwe(client, parts.slice(0, 4).join(".")), { code: "ERR_JWE_INVALID" }, "4 parts");
      await assert.rejects(() => decryptJwe(client, jwe, { algorithms: ["RSA-OAEP"] }), { code: "ERR_JWE_INVALID" }, "alg not allowed");
      await assert.rejects(
        () => decryptJwe(client, withPart(0, enc({ ...header, kid: "https://evil.vault.azure.net/keys/env/00" }))),
        { code: "ERR_FOREIGN_ORIGIN" },
        "foreign kid",
      );
      await request(client, "POST", "/keys/ec/create", { kty: "EC", crv: "P-256" });
      await assert.rejects(() => encryptJwe(client, "ec", "x"), { code: "ERR_UNSUPPORTED" }, "EC key");
      assert.equal((await decryptJwe(client, jwe)).text(), "secret message", "the original still opens");
    });

    t.test("property: any bytes, any content encryption, any extra header: jose opens ours, we open jose's", async () => {
      const { client } = setup("jweprop");
      const { kid, publicJwk, privateKey } = await importRsa(client, "env");
      const publicKey = await jose.importJWK({ kty: "RSA", n: publicJwk.n, e: publicJwk.e } as jose.JWK, "RSA-OAEP-256");
      // A192 variants are left out: Chromium's Web Crypto has no 192-bit AES.
      const encs = ["A128GCM", "A256GCM", "A128CBC-HS256", "A256CBC-HS512"] as const;
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 3000 }),
          fc.constantFrom(...encs),
          fc.dictionary(fc.constantFrom("typ", "cty", "x-app"), fc.string({ maxLength: 20 })),
          async (data, enc, extra) => {
            const ours = await encryptJwe(client, kid, data, { enc, header: extra });
            const opened = await jose.compactDecrypt(ours, privateKey, { contentEncryptionAlgorithms: [enc] });
            assert.deepEqual(opened.plaintext, data);
            assert.deepEqual(opened.protectedHeader, { ...extra, alg: "RSA-OAEP-256", enc, kid });
            const theirs = await new jose.CompactEncrypt(data)
              .setProtectedHeader({ ...extra, alg: "RSA-OAEP-256", enc, kid })
              .encrypt(publicKey);
            assert.deepEqual((await decryptJwe(client, theirs)).plaintext, data);
          },
        ),
        { numRuns: 15 },
      );
    });

    t.test("a JWE for one vault key does not open with another", async () => {
      const { client } = setup("jwewrong");
      const { kid } = await importRsa(client, "env");
      const other = await request<{ key: { kid: string } }>(client, "POST", "/keys/other/create", { kty: "RSA", key_size: 2048 });
      const jwe = await encryptJwe(client, kid, "for env only");
      await assert.rejects(() => decryptJwe(client, jwe, { key: other.key.kid }), { code: "ERR_JWE_DECRYPTION_FAILED" });
    });
  });
};

export default suite;

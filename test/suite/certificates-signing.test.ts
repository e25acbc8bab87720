// Signing with a certificate's key in the vault: keyvault-fetch/jose's signJwtWithCertificate and
// keyvault-fetch/entra's fromKeyVaultCertificate, against the emulator. The certificate's key is
// a vault key (imported, so the test knows the certificate around it); `GET /certificates/{name}/`
// is answered by `certificateFront` as the service answers it (kid, cer), everything else by the
// emulator: the key signs in the emulated vault, the token comes from the emulated authority.
import type { Lib, Registrar } from "./harness.js";
import * as assert from "./assert.js";
import { decodeJwt, makeCertificate, once, recordingFetch, uniqueName, type TestCertificate } from "./entra-helpers.js";

export function certificatesSigning(t: Registrar, lib: Lib): void {
  const { KeyVaultClient, request, base64UrlEncode, base64Encode, base64UrlDecode } = lib.core;
  const certificate = once(() => makeCertificate(lib, "app-credential"));
  const renewed = once(() => makeCertificate(lib, "app-credential renewed"));

  /** A vault holding `cert`'s key as key `name` (non-exportable), and a front answering the certificate's GET. */
  async function vaultWithCertificate(prefix: string) {
    const emu = lib.emulator.createEmulator({ name: uniqueName(prefix) });
    const versions: { kid: string; cert: TestCertificate }[] = [];
    const reads: string[] = [];
    const front = recordingFetch(async (req) => {
      const url = new URL(req.url);
      const m = /^\/certificates\/([^/]+)\/$/.exec(url.pathname);
      if (req.method === "GET" && m && url.origin === emu.vaultUrl) {
        reads.push(m[1]!);
        const newest = versions.at(-1)!;
        const version = newest.kid.split("/").pop();
        return Response.json({
          id: `${emu.vaultUrl}/certificates/${m[1]}/${version}`,
          kid: newest.kid,
          cer: base64Encode(newest.cert.der),
        });
      }
      return emu.fetch(req);
    });
    const client = new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: front.fetch });
    const addVersion = async (name: string, cert: TestCertificate) => {
      const jwk = await crypto.subtle.exportKey("jwk", cert.privateKey);
      const bundle = await request<{ key: { kid: string } }>(client, "PUT", `/keys/${name}`, {
        key: { ...jwk, key_ops: ["sign", "verify"], alg: undefined, ext: undefined },
      });
      versions.push({ kid: bundle.key.kid, cert });
      return bundle.key.kid;
    };
    return { emu, client, front, reads, addVersion };
  }

  t.group("certificates › signing in the vault", () => {
    t.test("signJwtWithCertificate: x5t#S256 and x5c name the certificate; the certificate's public key verifies", async () => {
      const cert = await certificate();
      const { client, addVersion, front } = await vaultWithCertificate("jwtcert");
      const kid = await addVersion("signer", cert);
      const now = Math.floor(Date.now() / 1000);
      const token = await lib.jose.signJwtWithCertificate(client, "signer", {
        payload: { sub: "svc", iat: now, exp: now + 60 },
        x5c: true,
      });
      const { header, claims } = decodeJwt(lib, token);
      assert.deepEqual([header.alg, header.typ, header.kid], ["RS256", "JWT", kid]);
      assert.equal(header["x5t#S256"], base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", cert.der as BufferSource))));
      assert.deepEqual(header.x5c, [base64Encode(cert.der)]);
      assert.equal(claims.sub, "svc");
      const publicKey = (await lib.certificates.importCertificatePublicKey(cert.der)) as CryptoKey;
      const [h, p, s] = token.split(".");
      assert.ok(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, base64UrlDecode(s!), new TextEncoder().encode(`${h}.${p}`)));
      assert.ok(
        front.seen.some((r) => r.method === "POST" && r.url.pathname.endsWith("/sign")),
        "signed by the vault",
      );
      const plain = decodeJwt(lib, await lib.jose.signJwtWithCertificate(client, "signer", { payload: { sub: "svc" } })).header;
      assert.equal(plain.x5c, undefined, "x5c only on request");
      await assert.rejects(() => lib.jose.signJwtWithCertificate(client, "signer", { alg: "ES256", payload: {} }), {
        code: "ERR_INVALID_INPUT",
      });
    });

    t.test("fromKeyVaultCertificate: a token from the authority, the assertion signed in the vault, the key not exportable", async () => {
      const cert = await certificate();
      const { emu, client, addVersion, reads } = await vaultWithCertificate("entracert");
      await addVersion("app-credential", cert);
      emu.registerClient({ clientId: "vault-cert-app", publicKeyJwk: cert.publicJwk });
      const authority = recordingFetch((req) => emu.fetch(req));
      const getToken = lib.entra.fromKeyVaultCertificate({
        tenantId: emu.tenantId,
        clientId: "vault-cert-app",
        client,
        certificate: "app-credential",
        sendCertificateChain: true,
        fetch: authority.fetch,
      });
      const token = await getToken({ scopes: ["https://vault.azure.net/.default"] });
      assert.equal(decodeJwt(lib, token.token).claims.appid, "vault-cert-app");
      const assertion = new URLSearchParams(authority.seen[0]!.body).get("client_assertion")!;
      const { header, claims } = decodeJwt(lib, assertion);
      assert.deepEqual([header.alg, claims.iss, claims.sub], ["PS256", "vault-cert-app", "vault-cert-app"]);
      assert.equal(header["x5t#S256"], base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", cert.der as BufferSource))));
      assert.deepEqual(header.x5c, [base64Encode(cert.der)]);
      // The token opens the vault as that app.
      const asApp = new KeyVaultClient(emu.vaultUrl, { getToken, fetch: emu.fetch });
      await request(asApp, "POST", "/keys/made-by-app/create", { kty: "EC", crv: "P-256" });
      // The key never leaves the vault: its JWK has no private part, and export is refused.
      const vaultKey = await lib.keys.getKey(client, "app-credential");
      assert.deepEqual([vaultKey.key.d, vaultKey.properties.exportable ?? false], [undefined, false]);
      await assert.rejects(() => request(client, "POST", `/keys/app-credential/export`, {}), { name: "KeyVaultError" });
      // Thumbprint and chain are cached: a second scope reads the certificate no more.
      await getToken({ scopes: ["https://storage.azure.com/.default"] });
      assert.deepEqual(reads, ["app-credential"]);
    });

    t.test("fromKeyVaultCertificate follows a renewed version once its cache time has passed", async () => {
      const [first, second] = [await certificate(), await renewed()];
      const { emu, client, addVersion, reads } = await vaultWithCertificate("renewcert");
      await addVersion("app-credential", first);
      emu.registerClient({ clientId: "renew-app", publicKeyJwk: [first.publicJwk, second.publicJwk] });
      const authority = recordingFetch((req) => emu.fetch(req));
      const getToken = lib.entra.fromKeyVaultCertificate({
        tenantId: emu.tenantId,
        clientId: "renew-app",
        client,
        certificate: "app-credential",
        certificateRefreshMs: 0,
        fetch: authority.fetch,
      });
      await getToken({ scopes: ["https://vault.azure.net/.default"] });
      const renewedKid = await addVersion("app-credential", second);
      await getToken({ scopes: ["https://graph.microsoft.com/.default"] });
      const thumbs = authority.seen.map((r) => decodeJwt(lib, new URLSearchParams(r.body).get("client_assertion")!).header);
      assert.equal(thumbs[1]!.kid, renewedKid, "signed by the renewed version's key");
      assert.equal(
        thumbs[1]!["x5t#S256"],
        base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", second.der as BufferSource))),
      );
      assert.notEqual(thumbs[0]!["x5t#S256"], thumbs[1]!["x5t#S256"]);
      assert.equal(reads.length, 2);
    });

    t.test("fromKeyVaultCertificate checks its options before anything is sent", async () => {
      const emu = lib.emulator.createEmulator({ name: uniqueName("certopts") });
      const client = new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      const base = { tenantId: emu.tenantId, clientId: "x", client, certificate: "c" };
      for (const bad of [
        { ...base, client: {} },
        { ...base, certificate: "a/b" },
        { ...base, algorithm: "ES256" },
        { ...base, certificateRefreshMs: -1 },
        { ...base, assertionLifetimeSeconds: 0 },
      ])
        await assert.rejects(async () => lib.entra.fromKeyVaultCertificate(bad as never), { code: "ERR_INVALID_INPUT" });
      assert.equal(emu.requests.length, 0);
    });
  });
}

import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { SignJWT, exportJWK, importJWK, generateKeyPair, decodeJwt, createLocalJWKSet, jwtVerify } from "jose";
import { secp256k1 } from "@noble/curves/secp256k1.js";

import type { Emulator as Emu } from "../../src/emulator/index.js";

const API = "api-version=2025-07-01";
const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function fromB64url(s: string): Uint8Array {
  const t = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(t + "===".slice(0, (4 - (t.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
async function sha(name: "SHA-256" | "SHA-384" | "SHA-512", data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(name, data));
}

/** A raw caller: gets a token from the emulated authority and calls the vault with fetch. */
async function caller(emu: Emu, token?: string) {
  const tok = token ?? (await emu.getToken({ scopes: [`${emu.resource}/.default`] })).token;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const url = path.startsWith("https://") ? path : `${emu.vaultUrl}${path}${path.includes("?") ? "&" : "?"}${API}`;
    const res = await emu.fetch(url, {
      method,
      headers: { authorization: `Bearer ${tok}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined } as { status: number; headers: Headers; text: string; json: any };
  };
  return { token: tok, call };
}

async function tokenForm(emu: Emu, form: Record<string, string>, tenant = emu.tenantId) {
  const res = await emu.fetch(`${emu.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form),
  });
  return { status: res.status, json: (await res.json()) as any };
}

function expectChallenge(res: { status: number; headers: Headers; json: any }, emu: Emu, messagePattern?: RegExp) {
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("www-authenticate"), `Bearer authorization="https://login.microsoftonline.com/${emu.tenantId}", resource="https://vault.azure.net"`);
  assert.equal(res.json?.error?.code, "Unauthorized");
  if (messagePattern) assert.match(res.json.error.message, messagePattern);
}

const suite: SuiteFile = (t, lib) => {
  const { createEmulator } = lib.emulator;

  t.group("emulator: identity", () => {
    t.test("a request without a token gets the exact challenge and AKV10000 body", async () => {
      const emu = createEmulator();
      const res = await emu.fetch(`${emu.vaultUrl}/keys/k/create?${API}`, { method: "POST" });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("www-authenticate"), `Bearer authorization="https://login.microsoftonline.com/${emu.tenantId}", resource="https://vault.azure.net"`);
      assert.deepEqual(await res.json(), { error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token." } });
      assert.match(emu.vaultUrl, /^https:\/\/[a-z0-9-]+\.vault\.azure\.net$/);
      assert.ok(res.headers.get("x-ms-request-id"));
    });

    t.test("Managed HSM challenge names its resource, with an empty body (\"OK\" on GET)", async () => {
      const emu = createEmulator({ managedHsm: true });
      assert.match(emu.vaultUrl, /\.managedhsm\.azure\.net$/);
      const post = await emu.fetch(`${emu.vaultUrl}/keys/k/create?${API}`, { method: "POST" });
      assert.equal(post.status, 401);
      assert.equal(post.headers.get("www-authenticate"), `Bearer authorization="https://login.microsoftonline.com/${emu.tenantId}", resource="https://managedhsm.azure.net"`);
      assert.equal(await post.text(), "");
      const get = await emu.fetch(`${emu.vaultUrl}/keys/k/?${API}`);
      assert.equal(await get.text(), "OK");
    });

    t.test("client-secret token: a signed JWT with aud, iss, tid, exp, nbf that verifies with the JWKS", async () => {
      const emu = createEmulator();
      const res = await tokenForm(emu, { grant_type: "client_credentials", client_id: emu.clientId, client_secret: emu.clientSecret, scope: "https://vault.azure.net/.default" });
      assert.equal(res.status, 200);
      assert.equal(res.json.token_type, "Bearer");
      assert.equal(res.json.expires_in, 3599);
      const claims = decodeJwt(res.json.access_token);
      assert.equal(claims.aud, "https://vault.azure.net");
      assert.equal(claims.iss, `https://sts.windows.net/${emu.tenantId}/`);
      assert.equal(claims.tid, emu.tenantId);
      assert.equal(claims.appid, emu.clientId);
      const now = Math.floor(Date.now() / 1000);
      assert.ok(claims.exp! > now + 3000 && claims.nbf! <= now + 1, "exp and nbf");
      const config = await (await emu.fetch(`${emu.authorityHost}/${emu.tenantId}/v2.0/.well-known/openid-configuration`)).json() as any;
      assert.equal(config.token_endpoint, `https://login.microsoftonline.com/${emu.tenantId}/oauth2/v2.0/token`);
      const jwks = await (await emu.fetch(config.jwks_uri)).json() as any;
      const { payload, protectedHeader } = await jwtVerify(res.json.access_token, createLocalJWKSet(jwks), { audience: "https://vault.azure.net" });
      assert.equal(protectedHeader.alg, "RS256");
      assert.equal(payload.tid, emu.tenantId);
    });

    t.test("token errors have the Entra shape: wrong tenant, bad secret, unknown client, bad scope", async () => {
      const emu = createEmulator();
      const base = { grant_type: "client_credentials", client_id: emu.clientId, client_secret: emu.clientSecret, scope: "https://vault.azure.net/.default" };
      const tenant = await tokenForm(emu, base, "00000000-1111-2222-3333-444444444444");
      assert.equal(tenant.status, 400);
      assert.equal(tenant.json.error, "invalid_request");
      assert.deepEqual(tenant.json.error_codes, [90002]);
      assert.match(tenant.json.error_description, /^AADSTS90002: /);
      const secret = await tokenForm(emu, { ...base, client_secret: "wrong" });
      assert.equal(secret.status, 401);
      assert.equal(secret.json.error, "invalid_client");
      assert.deepEqual(secret.json.error_codes, [7000215]);
      assert.ok(!JSON.stringify(secret.json).includes(emu.clientSecret), "the secret never appears in an error");
      const client = await tokenForm(emu, { ...base, client_id: "11111111-2222-3333-4444-555555555555" });
      assert.equal(client.status, 400);
      assert.equal(client.json.error, "unauthorized_client");
      const scope = await tokenForm(emu, { ...base, scope: "https://vault.azure.net" });
      assert.equal(scope.status, 400);
      assert.equal(scope.json.error, "invalid_scope");
      const none = await tokenForm(emu, { grant_type: "client_credentials", client_id: emu.clientId, scope: base.scope });
      assert.equal(none.status, 401);
      assert.equal(none.json.error, "invalid_client");
    });

    t.test("client assertions: RS256 and PS256 signed by a registered key pass, others are refused", async () => {
      const emu = createEmulator();
      const { publicKey, privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
      const clientId = "7a1e0c2b-0000-4000-8000-00000000c3e7";
      emu.registerClient({ clientId, publicKeyJwk: await exportJWK(publicKey) });
      const endpoint = `${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`;
      const assertion = (alg: string, key = privateKey, aud = endpoint) =>
        new SignJWT({}).setProtectedHeader({ alg, typ: "JWT" }).setIssuer(clientId).setSubject(clientId).setAudience(aud)
          .setJti(crypto.getRandomValues(new Uint32Array(2)).join("")).setIssuedAt().setNotBefore("0s").setExpirationTime("5m").sign(key as any);
      const form = (a: string) => ({
        grant_type: "client_credentials", client_id: clientId, scope: "https://vault.azure.net/.default",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: a,
      });
      const psKey = await importJWK(await exportJWK(privateKey), "PS256");
      for (const alg of ["RS256", "PS256"]) {
        const ok = await tokenForm(emu, form(await assertion(alg, alg === "PS256" ? psKey as any : privateKey)));
        assert.equal(ok.status, 200, `${alg} assertion`);
        assert.equal(decodeJwt(ok.json.access_token).appid, clientId);
      }
      const other = await generateKeyPair("RS256", { modulusLength: 2048 });
      const forged = await tokenForm(emu, form(await assertion("RS256", other.privateKey as any)));
      assert.equal(forged.status, 401);
      assert.equal(forged.json.error, "invalid_client");
      const wrongAud = await tokenForm(emu, form(await assertion("RS256", privateKey, "https://example.com/token")));
      assert.equal(wrongAud.status, 401);
    });

    t.test("the vault refuses expired, foreign-audience, foreign-tenant and badly signed tokens with the challenge", async () => {
      const emu = createEmulator();
      const expired = await emu.mintToken({ expiresInSeconds: -3600 });
      expectChallenge(await (await caller(emu, expired)).call("GET", "/keys"), emu, /Token/);
      const storage = await emu.getToken({ scopes: ["https://storage.azure.com/.default"] });
      expectChallenge(await (await caller(emu, storage.token)).call("GET", "/keys"), emu, /AKV10022: Invalid audience/);
      const otherTenant = "2d9b1f00-aaaa-4bbb-8ccc-000000000abc";
      emu.registerClient({ clientId: "app-in-other-tenant", tenantId: otherTenant, clientSecret: "s3cret" });
      const foreign = await tokenForm(emu, { grant_type: "client_credentials", client_id: "app-in-other-tenant", client_secret: "s3cret", scope: "https://vault.azure.net/.default" }, otherTenant);
      assert.equal(foreign.status, 200);
      expectChallenge(await (await caller(emu, foreign.json.access_token)).call("GET", "/keys"), emu, /AKV10032: Invalid issuer/);
      const good = await emu.mintToken();
      const [h, p] = good.split(".");
      const tampered = `${h}.${p}.${b64url(new Uint8Array(256))}`;
      expectChallenge(await (await caller(emu, tampered)).call("GET", "/keys"), emu);
      const otherEmu = createEmulator({ tenantId: emu.tenantId });
      expectChallenge(await (await caller(emu, await otherEmu.mintToken())).call("GET", "/keys"), emu);
      assert.equal((await (await caller(emu, good)).call("GET", "/keys")).status, 200);
    });

    t.test("revokeSessions: the next call gets a CAE challenge; a token asked with those claims passes", async () => {
      const emu = createEmulator();
      const { call } = await caller(emu);
      assert.equal((await call("GET", "/keys")).status, 200);
      emu.revokeSessions();
      const res = await call("GET", "/keys");
      assert.equal(res.status, 401);
      const header = res.headers.get("www-authenticate")!;
      assert.match(header, /^Bearer realm="", authorization_uri="https:\/\/login\.microsoftonline\.com\/common\/oauth2\/authorize", error="insufficient_claims", claims="[A-Za-z0-9+/=]+"$/);
      const claims = /claims="([^"]+)"/.exec(header)![1]!;
      const parsed = JSON.parse(new TextDecoder().decode(fromB64url(claims)));
      assert.equal(parsed.access_token.nbf.essential, true);
      assert.equal(parsed.access_token.xms_caeerror.value, "10012");
      const fresh = await emu.getToken({ scopes: ["https://vault.azure.net/.default"], claims });
      assert.equal((await (await caller(emu, fresh.token)).call("GET", "/keys")).status, 200);
    });

    t.test("getToken honours tenantId and rejects without leaking the secret; the request log records everything", async () => {
      const emu = createEmulator();
      const err = await assert.rejects(() => emu.getToken({ scopes: ["https://vault.azure.net/.default"], tenantId: "not-a-tenant" }), { name: "EmulatorTokenError" });
      assert.ok(!String(err.message).includes(emu.clientSecret));
      await emu.fetch(`${emu.vaultUrl}/keys?${API}`);
      const { call } = await caller(emu);
      await call("GET", "/keys");
      const log = emu.requests.map((r) => [r.method, new URL(r.url).pathname, r.status, r.authorization]);
      assert.deepEqual(log, [
        ["POST", "/not-a-tenant/oauth2/v2.0/token", 400, false],
        ["GET", "/keys", 401, false],
        ["POST", `/${emu.tenantId}/oauth2/v2.0/token`, 200, false],
        ["GET", "/keys", 200, true],
      ]);
      await assert.rejects(() => emu.fetch("https://elsewhere.vault.azure.net/keys"), { name: "TypeError" });
    });
  });

  t.group("emulator: keys", () => {
    t.test("create RSA: KeyBundle shape, public JWK only, and RS256/PS256 over a digest verify with Web Crypto", async () => {
      const emu = createEmulator();
      const { call } = await caller(emu);
      const res = await call("POST", "/keys/rsa-1/create", { kty: "RSA", key_size: 2048, tags: { purpose: "test" } });
      assert.equal(res.status, 200);
      const b = res.json;
      assert.match(b.key.kid, new RegExp(`^${emu.vaultUrl.replace(/\./g, "\\.")}/keys/rsa-1/[0-9a-f]{32}$`));
      assert.equal(b.key.kty, "RSA");
      assert.deepEqual(b.key.key_ops, ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]);
      assert.deepEqual(Object.keys(b.key).sort(), ["e", "key_ops", "kid", "kty", "n"]);
      assert.equal(b.key.e, "AQAB");
      assert.equal(fromB64url(b.key.n).length, 256);
      assert.equal(b.attributes.enabled, true);
      assert.equal(b.attributes.key_size, 2048);
      assert.equal(b.attributes.recoverableDays, 90);
      assert.equal(b.attributes.recoveryLevel, "Recoverable+Purgeable");
      assert.equal(b.attributes.exportable, false);
      assert.ok(Math.abs(b.attributes.created - Date.now() / 1000) < 60 && b.attributes.created === b.attributes.updated);
      assert.deepEqual(b.tags, { purpose: "test" });
      const message = enc.encode("hello vault");
      const digest = await sha("SHA-256", message);
      for (const [alg, params] of [["RS256", { name: "RSASSA-PKCS1-v1_5" }], ["PS256", { name: "RSA-PSS", saltLength: 32 }]] as const) {
        const s = await call("POST", `/keys/rsa-1/${b.key.kid.split("/").pop()}/sign`, { alg, value: b64url(digest) });
        assert.equal(s.status, 200);
        assert.equal(s.json.kid, b.key.kid);
        const pub = await crypto.subtle.importKey("jwk", { kty: "RSA", n: b.key.n, e: b.key.e }, { name: params.name, hash: "SHA-256" }, false, ["verify"]);
        assert.ok(await crypto.subtle.verify(params, pub, fromB64url(s.json.value), message), `${alg} verifies locally`);
        const v = await call("POST", "/keys/rsa-1/verify", { alg, digest: b64url(digest), value: s.json.value });
        assert.deepEqual(v.json, { value: true });
        const bad = await call("POST", "/keys/rsa-1/verify", { alg, digest: b64url(await sha("SHA-256", enc.encode("other"))), value: s.json.value });
        assert.deepEqual(bad.json, { value: false });
      }
    });

    t.test("EC keys: ES256/384/512 verify with Web Crypto and ES256K with noble; signatures are raw r||s", async () => {
      const emu = createEmulator();
      const { call } = await caller(emu);
      const message = enc.encode("sign me");
      const cases = [
        { crv: "P-256", alg: "ES256", hash: "SHA-256", size: 32 },
        { crv: "P-384", alg: "ES384", hash: "SHA-384", size: 48 },
        { crv: "P-521", alg: "ES512", hash: "SHA-512", size: 66 },
        { crv: "P-256K", alg: "ES256K", hash: "SHA-256", size: 32 },
      ] as const;
      for (const c of cases) {
        const created = await call("POST", `/keys/ec-${c.alg}/create`, { kty: "EC", crv: c.crv });
        assert.equal(created.status, 200, c.crv);
        const key = created.json.key;
        assert.deepEqual(key.key_ops, ["sign", "verify"]);
        assert.equal(key.crv, c.crv);
        assert.equal(fromB64url(key.x).length, c.size);
        assert.equal(created.json.attributes.key_size, undefined);
        const digest = await sha(c.hash, message);
        const s = await call("POST", `/keys/ec-${c.alg}//sign`, { alg: c.alg, value: b64url(digest) });
        assert.equal(s.status, 200, `${c.alg} sign`);
        const sig = fromB64url(s.json.value);
        assert.equal(sig.length, 2 * c.size);
        if (c.crv === "P-256K") {
          const pub = new Uint8Array([4, ...fromB64url(key.x), ...fromB64url(key.y)]);
          assert.ok(secp256k1.verify(sig, digest, pub, { prehash: false, lowS: false }), "ES256K verifies with noble");
        } else {
          const pub = await crypto.subtle.importKey("jwk", { kty: "EC", crv: c.crv, x: key.x, y: key.y }, { name: "ECDSA", namedCurve: c.crv }, false, ["verify"]);
          assert.ok(await crypto.subtle.verify({ name: "ECDSA", hash: c.hash }, pub, sig, message), `${c.alg} verifies locally`);
        }
        const again = await call("POST", `/keys/ec-${c.alg}/sign`, { alg: c.alg, value: b64url(digest) });
        assert.notEqual(again.json.value, s.json.value, "ECDSA signatures are randomized");
        assert.deepEqual((await call("POST", `/keys/ec-${c.alg}/verify`, { alg: c.alg, digest: b64url(digest), value: again.json.value })).json, { value: true });
      }
      const wrongAlg = await call("POST", "/keys/ec-ES256/sign", { alg: "ES384", value: b64url(await sha("SHA-384", message)) });
      assert.equal(wrongAlg.status, 400);
      assert.equal(wrongAlg.json.error.code, "BadParameter");
      const wrongLen = await call("POST", "/keys/ec-ES256/sign", { alg: "ES256", value: b64url(new Uint8Array(20)) });
      assert.equal(wrongLen.status, 400);
    });

    t.test("get (latest and by version), list, delete; 404 KeyNotFound with the service's wording", async () => {
      const emu = createEmulator();
      const { call } = await caller(emu);
      const v1 = (await call("POST", "/keys/multi/create", { kty: "EC" })).json;
      const v2 = (await call("POST", "/keys/multi/create", { kty: "EC", crv: "P-384" })).json;
      assert.notEqual(v1.key.kid, v2.key.kid);
      assert.equal((await call("GET", "/keys/multi/")).json.key.kid, v2.key.kid);
      assert.equal((await call("GET", "/keys/MULTI")).json.key.kid, v2.key.kid, "names compare case-insensitively");
      assert.equal((await call("GET", `/keys/multi/${v1.key.kid.split("/").pop()}`)).json.key.crv, "P-256");
      const list = await call("GET", "/keys");
      assert.deepEqual(list.json, { value: [{ kid: `${emu.vaultUrl}/keys/multi`, attributes: v2.attributes }], nextLink: null });
      const missing = await call("GET", "/keys/nope/");
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json, lib.fixtures.recordings["crud__get-nonexistent-key-404"]!.Entries[1]!.ResponseBody
        ? { error: { code: "KeyNotFound", message: (lib.fixtures.recordings["crud__get-nonexistent-key-404"]!.Entries[1]!.ResponseBody as any).error.message.replace("CRUDKeyName-deletenonexistingkey-", "nope") } }
        : missing.json);
      const del = await call("DELETE", "/keys/multi");
      assert.equal(del.status, 200);
      assert.equal(del.json.recoveryId, `${emu.vaultUrl}/deletedkeys/multi`);
      assert.equal(del.json.scheduledPurgeDate - del.json.deletedDate, 90 * 86400);
      assert.equal(del.json.key.kid, v2.key.kid);
      assert.equal((await call("GET", "/keys/multi/")).status, 404);
      assert.equal((await call("DELETE", "/keys/multi")).status, 404);
    });
  });
};
export default suite;


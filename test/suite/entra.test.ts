// keyvault-fetch/entra against the emulator's authority and managed identity endpoints:
// each provider gets real tokens that open the vault; tenants, CAE claims, caching, expiry, errors.
import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { decodeJwt, json, makeCertificate, once, pem, recordingFetch, uniqueName } from "./entra-helpers.js";

const SCOPE = "https://vault.azure.net/.default";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient, request } = lib.core;
  const { fromClientSecret, fromClientCertificate, fromClientAssertion, fromManagedIdentity, managedIdentityFromEnv, AuthorityError } =
    lib.entra;
  const certificate = once(() => makeCertificate(lib));
  const tokenRequests = (emu: { requests: { url: string }[] }) =>
    emu.requests.filter((r) => /\/oauth2\/v2\.0\/token$/.test(new URL(r.url).pathname)).length;
  const emulator = (prefix: string, options: Parameters<typeof lib.emulator.createEmulator>[0] = {}) =>
    lib.emulator.createEmulator({ name: uniqueName(prefix), ...options });
  const secretProvider = (emu: ReturnType<typeof emulator>, extra: Record<string, unknown> = {}) =>
    fromClientSecret({ tenantId: emu.tenantId, clientId: emu.clientId, clientSecret: emu.clientSecret, fetch: emu.fetch, ...extra });
  /** Creates a key through a client using `getToken`: proof the token opens the vault. */
  const openVault = async (emu: ReturnType<typeof emulator>, getToken: any, name = "probe") => {
    const client = new KeyVaultClient(emu.vaultUrl, { getToken, fetch: emu.fetch });
    const bundle = await request<{ key: { kid: string } }>(client, "POST", `/keys/${name}/create`, { kty: "EC", crv: "P-256" });
    assert.match(bundle.key.kid, new RegExp(`/keys/${name}/[0-9a-f]{32}$`));
    return client;
  };

  t.group("entra › client secret", () => {
    t.test("gets a token from the emulator's authority that opens the vault", async () => {
      const emu = emulator("sec");
      const getToken = secretProvider(emu);
      const token = await getToken({ scopes: [SCOPE] });
      assert.ok(token.expiresOnTimestamp > Date.now() + 3000_000, "about an hour");
      const { claims } = decodeJwt(lib, token.token);
      assert.equal(claims.aud, "https://vault.azure.net");
      assert.equal(claims.tid, emu.tenantId);
      assert.equal(claims.appid, emu.clientId);
      assert.deepEqual(claims.xms_cc, ["CP1"], "CAE-capable by default");
      await openVault(emu, getToken);
    });

    t.test("one token per lifetime: a provider made once serves clients made per request", async () => {
      const emu = emulator("cache");
      const getToken = secretProvider(emu);
      for (let i = 0; i < 3; i++) {
        const client = new KeyVaultClient(emu.vaultUrl, { getToken, fetch: emu.fetch });
        await request(client, "POST", `/keys/k${i}/create`, { kty: "EC", crv: "P-256" });
      }
      const a = await getToken({ scopes: [SCOPE] });
      const b = await getToken({ scopes: [SCOPE] });
      assert.equal(a.token, b.token);
      assert.equal(tokenRequests(emu), 1);
      await getToken({ scopes: ["https://managedhsm.azure.net/.default"] });
      assert.equal(tokenRequests(emu), 2, "another scope is another token");
    });

    t.test("a wrong secret: AuthorityError with error, description and codes, and no secret anywhere", async () => {
      const emu = emulator("bad");
      const secret = "Wr0ng~secret-value-that-must-not-leak";
      const getToken = fromClientSecret({
        tenantId: emu.tenantId,
        clientId: emu.clientId,
        clientSecret: secret,
        fetch: emu.fetch,
        retry: false,
      });
      const e = await assert.rejects(() => getToken({ scopes: [SCOPE] }), { name: "KeyVaultClientError", code: "ERR_TOKEN" });
      assert.ok(e instanceof AuthorityError);
      assert.equal(e.status, 401);
      assert.equal(e.error, "invalid_client");
      assert.ok(e.errorCodes.includes(7000215), `codes ${e.errorCodes}`);
      assert.match(e.errorDescription, /^AADSTS7000215/);
      const everything = `${e.message} ${JSON.stringify(e)} ${e.stack}`;
      assert.ok(!everything.includes(secret), "secret leaked");
      assert.ok(!everything.includes(emu.clientSecret), "real secret leaked");
      // Through a client: the core wraps it, the cause stays inspectable.
      const client = new KeyVaultClient(emu.vaultUrl, { getToken, fetch: emu.fetch });
      const wrapped = await assert.rejects(() => request(client, "GET", "/keys"), { code: "ERR_TOKEN" });
      assert.ok(wrapped.cause instanceof AuthorityError);
      assert.ok(!wrapped.message.includes(secret));
    });

    t.test("an unknown application: unauthorized_client 700016", async () => {
      const emu = emulator("unk");
      const getToken = fromClientSecret({
        tenantId: emu.tenantId,
        clientId: "11111111-2222-3333-4444-555555555555",
        clientSecret: "x-secret",
        fetch: emu.fetch,
      });
      const e = await assert.rejects(() => getToken({ scopes: [SCOPE] }), { code: "ERR_TOKEN" });
      assert.equal(e.error, "unauthorized_client");
      assert.deepEqual(e.errorCodes, [700016]);
    });

    t.test("the authority host: https, loopback http only by opt-in, a sovereign host is used", async () => {
      const base = { tenantId: "t1", clientId: "c", clientSecret: "s" };
      await assert.rejects(async () => fromClientSecret({ ...base, authorityHost: "http://login.example.com" }), {
        code: "ERR_INSECURE_URL",
      });
      await assert.rejects(async () => fromClientSecret({ ...base, authorityHost: "http://127.0.0.1:8080" }), { code: "ERR_INSECURE_URL" });
      await assert.rejects(async () => fromClientSecret({ ...base, authorityHost: "https://user:pw@login.example.com" }), {
        code: "ERR_INVALID_INPUT",
      });
      await assert.rejects(async () => fromClientSecret({ ...base, tenantId: "../evil" }), { code: "ERR_INVALID_INPUT" });
      const { fetch, seen } = recordingFetch(() => json({ token_type: "Bearer", expires_in: 3599, access_token: "at" }));
      await fromClientSecret({ ...base, authorityHost: "http://127.0.0.1:8080/", allowInsecureLoopback: true, fetch })({ scopes: [SCOPE] });
      assert.equal(seen[0]!.url.href, "http://127.0.0.1:8080/t1/oauth2/v2.0/token");

      const emu = emulator("gov", { authorityHost: "https://login.microsoftonline.us" });
      const getToken = secretProvider(emu, { authorityHost: "https://login.microsoftonline.us" });
      await openVault(emu, getToken);
      assert.ok(
        emu.requests.some((r) => r.url.startsWith("https://login.microsoftonline.us/")),
        "asked the sovereign authority",
      );
      assert.ok(!emu.requests.some((r) => r.url.startsWith("https://login.microsoftonline.com/")), "never the public one");
    });

    t.test("the form: client credentials, scope, secret, CAE capability; no secret in the URL", async () => {
      const emu = emulator("form");
      const { fetch, seen } = recordingFetch((req) => emu.fetch(req));
      await secretProvider(emu, { fetch })({ scopes: [SCOPE] });
      const form = new URLSearchParams(seen[0]!.body);
      assert.equal(seen[0]!.method, "POST");
      assert.equal(seen[0]!.url.href, `https://login.microsoftonline.com/${emu.tenantId}/oauth2/v2.0/token`);
      assert.match(seen[0]!.headers.get("content-type") ?? "", /^application\/x-www-form-urlencoded/);
      assert.equal(form.get("grant_type"), "client_credentials");
      assert.equal(form.get("client_id"), emu.clientId);
      assert.equal(form.get("client_secret"), emu.clientSecret);
      assert.equal(form.get("scope"), SCOPE);
      assert.deepEqual(JSON.parse(form.get("claims")!), { access_token: { xms_cc: { values: ["cp1"] } } });
      // Claims straight from a challenge (base64) are decoded and merged too.
      const { fetch: f3, seen: s3 } = recordingFetch((req) => emu.fetch(req));
      await secretProvider(emu, { fetch: f3 })({
        scopes: [SCOPE],
        claims: btoa('{"access_token":{"nbf":{"essential":true,"value":"1"}}}'),
      });
      assert.deepEqual(JSON.parse(new URLSearchParams(s3[0]!.body).get("claims")!), {
        access_token: { nbf: { essential: true, value: "1" }, xms_cc: { values: ["cp1"] } },
      });
      await assert.rejects(() => secretProvider(emu)({ scopes: [SCOPE], claims: "not claims" }), { code: "ERR_INVALID_INPUT" });
      const { fetch: f2, seen: s2 } = recordingFetch((req) => emu.fetch(req));
      await secretProvider(emu, { fetch: f2, enableCae: false })({ scopes: [SCOPE] });
      assert.equal(new URLSearchParams(s2[0]!.body).get("claims"), null, "no claims without CAE");
    });
  });

  t.group("entra › tenants and claims", () => {
    t.test('a challenge naming another tenant is refused unless allowed (a list, or "*")', async () => {
      const emu = emulator("ten");
      const home = "home-tenant.example";
      emu.registerClient({ clientId: emu.clientId, tenantId: home, clientSecret: emu.clientSecret });
      const base = { tenantId: home, clientId: emu.clientId, clientSecret: emu.clientSecret, fetch: emu.fetch };
      // With no tenant asked, the home tenant is used.
      const own = await fromClientSecret(base)({ scopes: [SCOPE] });
      assert.equal(decodeJwt(lib, own.token).claims.tid, home);
      // The vault's challenge names emu.tenantId.
      const refused = new KeyVaultClient(emu.vaultUrl, { getToken: fromClientSecret(base), fetch: emu.fetch });
      const e = await assert.rejects(() => request(refused, "GET", "/keys"), { code: "ERR_TOKEN" });
      assert.equal(e.cause?.code, "ERR_TENANT_NOT_ALLOWED");
      assert.match(e.message, /additionallyAllowedTenants/);
      assert.equal(tokenRequests(emu), 1, "no token request for a refused tenant");
      for (const allowed of [[emu.tenantId.toUpperCase()], ["*"]]) {
        const getToken = fromClientSecret({ ...base, additionallyAllowedTenants: allowed });
        await openVault(emu, getToken, `k${allowed[0] === "*" ? "any" : "list"}`);
        const token = await getToken({ scopes: [SCOPE], tenantId: emu.tenantId });
        assert.equal(decodeJwt(lib, token.token).claims.tid, emu.tenantId);
      }
      // A tenant that would change the URL path is refused even with "*".
      const any = fromClientSecret({ ...base, additionallyAllowedTenants: ["*"] });
      await assert.rejects(() => any({ scopes: [SCOPE], tenantId: "../../evil" }), { code: "ERR_INVALID_INPUT" });
    });

    t.test("a CAE challenge's claims go to the authority; the fresh token opens the vault", async () => {
      const emu = emulator("cae");
      const { fetch, seen } = recordingFetch((req) => emu.fetch(req));
      const getToken = secretProvider(emu, { fetch });
      const client = await openVault(emu, getToken, "before");
      emu.revokeSessions();
      await request(client, "POST", "/keys/after/create", { kty: "EC", crv: "P-256" });
      const posts = seen.filter((s) => s.url.pathname.endsWith("/oauth2/v2.0/token"));
      assert.equal(posts.length, 2, "one more token, for the claims");
      const claims = JSON.parse(new URLSearchParams(posts[1]!.body).get("claims")!);
      assert.equal(claims.access_token.nbf.essential, true);
      assert.deepEqual(claims.access_token.xms_cc, { values: ["cp1"] }, "capability merged in");
      // The provider's cache now holds the fresh token: later clients do not meet the CAE 401 again.
      const before = emu.requests.filter((r) => r.status === 401).length;
      await request(new KeyVaultClient(emu.vaultUrl, { getToken, fetch: emu.fetch }), "GET", "/keys/after");
      assert.equal(emu.requests.filter((r) => r.status === 401).length, before);
    });
  });

  t.group("entra › client certificate", () => {
    const registered = async (emu: ReturnType<typeof emulator>) => {
      const cert = await certificate();
      emu.registerClient({ clientId: "cert-app", publicKeyJwk: cert.publicJwk });
      return cert;
    };

    for (const algorithm of ["PS256", "RS256"] as const) {
      t.test(`${algorithm} assertion with x5t#S256 is accepted and the token opens the vault`, async () => {
        const emu = emulator(`crt${algorithm}`);
        const cert = await registered(emu);
        const { fetch, seen } = recordingFetch((req) => emu.fetch(req));
        const getToken = fromClientCertificate({
          tenantId: emu.tenantId,
          clientId: "cert-app",
          certificate: cert.certificatePem,
          privateKey: cert.privateKeyPem,
          algorithm,
          fetch,
        });
        await openVault(emu, getToken);
        const form = new URLSearchParams(seen[0]!.body);
        assert.equal(form.get("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        assert.equal(form.get("client_secret"), null);
        const { header, claims } = decodeJwt(lib, form.get("client_assertion")!);
        assert.equal(header.alg, algorithm);
        const thumb = lib.core.base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", cert.der as BufferSource)));
        assert.equal(header["x5t#S256"], thumb);
        assert.equal(header.x5c, undefined);
        assert.equal(claims.aud, `https://login.microsoftonline.com/${emu.tenantId}/oauth2/v2.0/token`);
        assert.equal(claims.iss, "cert-app");
        assert.equal(claims.sub, "cert-app");
        assert.match(claims.jti, /^[0-9a-f-]{36}$/);
        assert.ok(claims.nbf <= Date.now() / 1000 && claims.exp > Date.now() / 1000 + 300, "valid now, for minutes");
      });
    }

    t.test("one PEM with certificate and key; x5c on request; a fresh jti per request", async () => {
      const emu = emulator("crtx5c");
      const cert = await registered(emu);
      const { fetch, seen } = recordingFetch((req) => emu.fetch(req));
      const getToken = fromClientCertificate({
        tenantId: emu.tenantId,
        clientId: "cert-app",
        certificate: `subject=CN=test\n${cert.certificatePem}${cert.privateKeyPem}`,
        sendCertificateChain: true,
        fetch,
      });
      await getToken({ scopes: [SCOPE] });
      await getToken({ scopes: [SCOPE], claims: '{"access_token":{"nbf":{"essential":true,"value":"1"}}}' });
      const assertions = seen.map((s) => decodeJwt(lib, new URLSearchParams(s.body).get("client_assertion")!));
      assert.deepEqual(assertions[0]!.header.x5c, [lib.core.base64Encode(cert.der)]);
      assert.notEqual(assertions[0]!.claims.jti, assertions[1]!.claims.jti);
    });

    t.test("a certificate the app does not know: invalid_client, and the assertion is not in the error", async () => {
      const emu = emulator("crtbad");
      await registered(emu);
      const other = (await crypto.subtle.generateKey(
        { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        false,
        ["sign", "verify"],
      )) as CryptoKeyPair;
      const { fetch, seen } = recordingFetch((req) => emu.fetch(req));
      const getToken = fromClientCertificate({
        tenantId: emu.tenantId,
        clientId: "cert-app",
        certificate: (await certificate()).certificatePem,
        privateKey: other.privateKey,
        fetch,
      });
      const e = await assert.rejects(() => getToken({ scopes: [SCOPE] }), { code: "ERR_TOKEN" });
      assert.equal(e.error, "invalid_client");
      assert.ok(e.errorCodes.includes(700027), `codes ${e.errorCodes}`);
      const assertion = new URLSearchParams(seen[0]!.body).get("client_assertion")!;
      assert.ok(!`${e.message}${JSON.stringify(e)}`.includes(assertion.split(".")[2]!), "assertion leaked");
    });

    t.test("unusable keys and certificates are refused up front", async () => {
      const cert = await certificate();
      const base = { tenantId: "t", clientId: "c" };
      await assert.rejects(async () => fromClientCertificate({ ...base, certificate: cert.privateKeyPem }), {
        code: "ERR_INVALID_INPUT",
        message: /CERTIFICATE/,
      });
      await assert.rejects(async () => fromClientCertificate({ ...base, certificate: cert.certificatePem }), {
        code: "ERR_INVALID_INPUT",
        message: /PRIVATE KEY/,
      });
      const pkcs1 = cert.privateKeyPem.replace(/PRIVATE KEY/g, "RSA PRIVATE KEY");
      await assert.rejects(async () => fromClientCertificate({ ...base, certificate: cert.certificatePem, privateKey: pkcs1 }), {
        code: "ERR_UNSUPPORTED",
        message: /openssl pkcs8/,
      });
      const ec = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"])) as CryptoKeyPair;
      const ecPem = pem("PRIVATE KEY", new Uint8Array(await crypto.subtle.exportKey("pkcs8", ec.privateKey)), lib);
      const getToken = fromClientCertificate({ ...base, certificate: cert.certificatePem, privateKey: ecPem, fetch: async () => json({}) });
      await assert.rejects(() => getToken({ scopes: [SCOPE] }), { code: "ERR_INVALID_INPUT", message: /RSA/ });
    });
  });

  t.group("entra › client assertion (workload identity federation)", () => {
    /** A signed assertion the emulator can check: iss = sub = the app, aud = the token endpoint. */
    const signedAssertion = async (clientId: string, audience: string, expOffset = 300) => {
      const cert = await certificate();
      const enc = (o: unknown) => lib.core.base64UrlEncode(lib.core.utf8Encode(JSON.stringify(o)));
      const now = Math.floor(Date.now() / 1000);
      const input = `${enc({ alg: "RS256", typ: "JWT" })}.${enc({ iss: clientId, sub: clientId, aud: audience, jti: crypto.randomUUID(), nbf: now, exp: now + expOffset })}`;
      const sig = new Uint8Array(
        await crypto.subtle.sign("RSASSA-PKCS1-v1_5", cert.privateKey, lib.core.utf8Encode(input) as BufferSource),
      );
      return `${input}.${lib.core.base64UrlEncode(sig)}`;
    };

    t.test("a callback's assertion is checked by the emulator and the token opens the vault", async () => {
      const emu = emulator("fed");
      emu.registerClient({ clientId: "fed-app", publicKeyJwk: (await certificate()).publicJwk });
      let calls = 0;
      const getToken = fromClientAssertion({
        tenantId: emu.tenantId,
        clientId: "fed-app",
        fetch: emu.fetch,
        assertion: async ({ tokenEndpoint, tenantId }) => {
          calls++;
          assert.equal(tenantId, emu.tenantId);
          return signedAssertion("fed-app", tokenEndpoint);
        },
      });
      await openVault(emu, getToken);
      await getToken({ scopes: [SCOPE] });
      assert.equal(calls, 1, "cached token: no second assertion");
    });

    t.test("a string assertion; an expired one is refused by the authority (700024)", async () => {
      const emu = emulator("fedstr");
      emu.registerClient({ clientId: "fed-app", publicKeyJwk: (await certificate()).publicJwk });
      const endpoint = `https://login.microsoftonline.com/${emu.tenantId}/oauth2/v2.0/token`;
      const ok = fromClientAssertion({
        tenantId: emu.tenantId,
        clientId: "fed-app",
        fetch: emu.fetch,
        assertion: await signedAssertion("fed-app", endpoint),
      });
      assert.ok((await ok({ scopes: [SCOPE] })).token);
      const expired = await signedAssertion("fed-app", endpoint, -3600);
      const stale = fromClientAssertion({ tenantId: emu.tenantId, clientId: "fed-app", fetch: emu.fetch, assertion: expired });
      const e = await assert.rejects(() => stale({ scopes: [SCOPE] }), { code: "ERR_TOKEN" });
      assert.deepEqual(e.errorCodes, [700024]);
      assert.ok(!e.message.includes(expired), "assertion leaked");
    });

    /** A GitHub-Actions-shaped OIDC token, signed here with Web Crypto as GitHub's issuer would sign it. */
    const GITHUB = "https://token.actions.githubusercontent.com";
    const SUBJECT = "repo:octo-org/octo-repo:environment:production";
    const githubToken = async (key: CryptoKey, claims: Record<string, unknown> = {}) => {
      const enc = (o: unknown) => lib.core.base64UrlEncode(lib.core.utf8Encode(JSON.stringify(o)));
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        jti: crypto.randomUUID(),
        sub: SUBJECT,
        aud: "api://AzureADTokenExchange",
        ref: "refs/heads/main",
        sha: "a".repeat(40),
        repository: "octo-org/octo-repo",
        repository_owner: "octo-org",
        run_id: "42",
        event_name: "push",
        environment: "production",
        iss: GITHUB,
        nbf: now - 5,
        iat: now - 5,
        exp: now + 300,
        ...claims,
      };
      const input = `${enc({ typ: "JWT", alg: "RS256", kid: "gh-key-1" })}.${enc(payload)}`;
      const sig = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, lib.core.utf8Encode(input) as BufferSource));
      return `${input}.${lib.core.base64UrlEncode(sig)}`;
    };
    /** An emulator whose "gh-app" trusts GitHub's tokens for SUBJECT (a federated identity credential). */
    const federatedEmulator = async (prefix: string) => {
      const emu = emulator(prefix);
      const github = await certificate();
      emu.registerClient({
        clientId: "gh-app",
        federatedCredentials: [
          {
            issuer: GITHUB,
            subject: SUBJECT,
            jwks: { keys: [{ ...github.publicJwk, kid: "gh-key-1", alg: "RS256", use: "sig" } as JsonWebKey] },
          },
        ],
      });
      return { emu, github };
    };

    t.test(
      "workload identity federation: a GitHub Actions token is checked by the emulator and the Entra token opens the vault",
      async () => {
        const { emu, github } = await federatedEmulator("ghfed");
        const { fetch, seen } = recordingFetch((req) => emu.fetch(req));
        const federated = await githubToken(github.privateKey);
        const getToken = fromClientAssertion({ tenantId: emu.tenantId, clientId: "gh-app", fetch, assertion: () => federated });
        await openVault(emu, getToken);
        const form = new URLSearchParams(seen[0]!.body);
        assert.equal(form.get("client_assertion"), federated, "the caller's token is sent as is");
        assert.equal(form.get("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        assert.equal(form.get("client_id"), "gh-app");
        assert.equal(form.get("client_secret"), null);
        const { claims } = decodeJwt(lib, (await getToken({ scopes: [SCOPE] })).token);
        assert.equal(claims.appid, "gh-app");
        assert.equal(claims.tid, emu.tenantId);
      },
    );

    t.test(
      "workload identity federation refusals: unknown subject (70021), foreign audience, bad signature, expired token (700024)",
      async () => {
        const { emu, github } = await federatedEmulator("ghbad");
        const attempt = async (assertion: string) => {
          const getToken = fromClientAssertion({ tenantId: emu.tenantId, clientId: "gh-app", fetch: emu.fetch, retry: false, assertion });
          const e = await assert.rejects(() => getToken({ scopes: [SCOPE] }), { code: "ERR_TOKEN" });
          assert.ok(e instanceof AuthorityError);
          assert.ok(!`${e.message}${JSON.stringify(e)}`.includes(assertion.split(".")[2]!), "assertion leaked");
          return e;
        };
        const pullRequest = await attempt(await githubToken(github.privateKey, { sub: "repo:octo-org/octo-repo:pull_request" }));
        assert.equal(pullRequest.status, 400);
        assert.equal(pullRequest.error, "invalid_request");
        assert.deepEqual(pullRequest.errorCodes, [70021]);
        assert.match(pullRequest.errorDescription, /Assertion Subject: 'repo:octo-org\/octo-repo:pull_request'/);
        assert.deepEqual(
          (await attempt(await githubToken(github.privateKey, { iss: "https://token.actions.githubusercontent.com/" }))).errorCodes,
          [70021],
          "issuer with a trailing slash",
        );
        assert.deepEqual(
          (await attempt(await githubToken(github.privateKey, { aud: "https://github.com/octo-org" }))).errorCodes,
          [700212],
        );
        const stranger = (await crypto.subtle.generateKey(
          { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
          false,
          ["sign", "verify"],
        )) as CryptoKeyPair;
        const forged = await attempt(await githubToken(stranger.privateKey));
        assert.equal(forged.status, 401);
        assert.equal(forged.error, "invalid_client");
        assert.match(forged.errorDescription, /^AADSTS50013: Assertion failed signature validation/);
        const now = Math.floor(Date.now() / 1000);
        const expired = await attempt(await githubToken(github.privateKey, { nbf: now - 7200, iat: now - 7200, exp: now - 3600 }));
        assert.equal(expired.error, "invalid_client");
        assert.deepEqual(expired.errorCodes, [700024]);
        // The callback failing is the provider's error, before any request.
        const before = emu.requests.length;
        const failing = fromClientAssertion({
          tenantId: emu.tenantId,
          clientId: "gh-app",
          fetch: emu.fetch,
          assertion: () => {
            throw new Error("token file missing");
          },
        });
        await assert.rejects(() => failing({ scopes: [SCOPE] }), { code: "ERR_TOKEN", message: /token file missing/ });
        const empty = fromClientAssertion({ tenantId: emu.tenantId, clientId: "gh-app", fetch: emu.fetch, assertion: () => "" });
        await assert.rejects(() => empty({ scopes: [SCOPE] }), { code: "ERR_TOKEN" });
        assert.equal(emu.requests.length, before, "nothing sent");
      },
    );
  });

  t.group("entra › managed identity", () => {
    const miEmulator = (prefix: string, managedIdentity: Record<string, string> = {}) => emulator(prefix, { managedIdentity });

    t.test("IMDS: GET with Metadata: true, api-version 2018-02-01, the resource; the emulator's token opens the vault", async () => {
      const emu = miEmulator("imds");
      const mi = emu.managedIdentity!;
      const { fetch, seen } = recordingFetch((req) => emu.fetch(req));
      const getToken = fromManagedIdentity({ fetch });
      await openVault(emu, getToken);
      const token = await getToken({ scopes: [SCOPE] });
      assert.equal(seen.length, 1, "cached");
      assert.ok(Math.abs(token.expiresOnTimestamp - (Date.now() + 3599_000)) < 10_000, "expires_on read");
      const { claims } = decodeJwt(lib, token.token);
      assert.equal(claims.appid, mi.clientId);
      assert.equal(claims.aud, "https://vault.azure.net");
      const url = seen[0]!.url;
      assert.equal(seen[0]!.method, "GET");
      assert.equal(url.origin + url.pathname, "http://169.254.169.254/metadata/identity/oauth2/token");
      assert.equal(url.searchParams.get("api-version"), "2018-02-01");
      assert.equal(url.searchParams.get("resource"), "https://vault.azure.net");
      assert.equal(seen[0]!.headers.get("metadata"), "true");
    });

    t.test(
      "IMDS: user-assigned ids select the identity; retries while IMDS warms up (410); a missing Metadata header is refused",
      async () => {
        const emu = miEmulator("imdsua", { clientId: "0b7e4a52-7c1d-4e55-9a0e-6d1f3c2b8a90" });
        const mi = emu.managedIdentity!;
        emu.faults.add({ target: "authority", route: "GET /metadata/identity/oauth2/token", status: 410, times: 2 });
        const { fetch, seen } = recordingFetch((req) => emu.fetch(req));
        const token = await fromManagedIdentity({ clientId: mi.clientId, fetch, retry: { minDelayMs: 1 } })({ scopes: [SCOPE] });
        assert.equal(decodeJwt(lib, token.token).claims.appid, mi.clientId);
        assert.equal(seen.length, 3, "two 410s, then the token");
        assert.equal(seen[2]!.url.searchParams.get("client_id"), mi.clientId);
        await openVault(emu, fromManagedIdentity({ resourceId: mi.resourceId, fetch: emu.fetch }));
        await openVault(emu, fromManagedIdentity({ objectId: mi.objectId, fetch: emu.fetch }), "byobject");
        const other = await assert.rejects(
          () => fromManagedIdentity({ clientId: crypto.randomUUID(), fetch: emu.fetch, retry: false })({ scopes: [SCOPE] }),
          { code: "ERR_TOKEN" },
        );
        assert.equal(other.status, 400);
        assert.match(other.errorDescription, /Identity not found/);
        // Without the Metadata header (a proxy that drops it), IMDS answers 400.
        const stripping = (input: string | URL | Request, init?: RequestInit) => {
          const request = new Request(input, init);
          const headers = new Headers(request.headers);
          headers.delete("metadata");
          return emu.fetch(request.url, { method: request.method, headers });
        };
        const e = await assert.rejects(() => fromManagedIdentity({ fetch: stripping, retry: false })({ scopes: [SCOPE] }), {
          code: "ERR_TOKEN",
        });
        assert.ok(e instanceof AuthorityError);
        assert.equal(e.status, 400);
        assert.equal(e.error, "invalid_request");
        assert.equal(e.errorDescription, "Required metadata header not specified");
        await assert.rejects(async () => fromManagedIdentity({ clientId: "a", objectId: "b" }), { code: "ERR_INVALID_INPUT" });
      },
    );

    t.test(
      "App Service: IDENTITY_ENDPOINT with X-IDENTITY-HEADER and api-version 2019-08-01; a wrong header is refused and never shown",
      async () => {
        const emu = miEmulator("appsvc", { identityEndpoint: "http://127.0.0.1:41741/MSI/token/" });
        const mi = emu.managedIdentity!;
        const env = { IDENTITY_ENDPOINT: mi.identityEndpoint, IDENTITY_HEADER: mi.identityHeader, AZURE_CLIENT_ID: mi.clientId };
        const options = managedIdentityFromEnv(env);
        assert.deepEqual(options, { identityEndpoint: env.IDENTITY_ENDPOINT, identityHeader: mi.identityHeader, clientId: mi.clientId });
        const { fetch, seen } = recordingFetch((req) => emu.fetch(req));
        const getToken = fromManagedIdentity({ ...options, fetch });
        await openVault(emu, getToken);
        const token = await getToken({ scopes: [SCOPE] });
        assert.ok(Math.abs(token.expiresOnTimestamp - (Date.now() + 3599_000)) < 10_000, "expires_on read");
        const url = seen[0]!.url;
        assert.equal(url.origin + url.pathname, "http://127.0.0.1:41741/MSI/token/");
        assert.equal(url.searchParams.get("api-version"), "2019-08-01");
        assert.equal(url.searchParams.get("resource"), "https://vault.azure.net");
        assert.equal(url.searchParams.get("client_id"), mi.clientId);
        assert.equal(seen[0]!.headers.get("x-identity-header"), mi.identityHeader);
        assert.equal(seen[0]!.headers.get("metadata"), null);
        const wrongHeader = "identity-header-secret-7f3a";
        const refused = fromManagedIdentity({ identityEndpoint: mi.identityEndpoint, identityHeader: wrongHeader, fetch: emu.fetch });
        const e = await assert.rejects(() => refused({ scopes: [SCOPE] }), { code: "ERR_TOKEN" });
        assert.ok(e instanceof AuthorityError);
        assert.equal(e.status, 401);
        assert.match(e.errorDescription, /X-IDENTITY-HEADER/);
        const everything = `${e.message}${JSON.stringify(e)}${e.stack}`;
        assert.ok(!everything.includes(wrongHeader) && !everything.includes(mi.identityHeader), "identity header leaked");
        // A host that echoes the header in its error: the provider still redacts it.
        const echoing = fromManagedIdentity({
          ...options,
          fetch: async () => json({ statusCode: 400, message: `bad request; header was ${mi.identityHeader}` }, 400),
        });
        const echoed = await assert.rejects(() => echoing({ scopes: [SCOPE] }), { code: "ERR_TOKEN" });
        assert.ok(!`${echoed.message}${JSON.stringify(echoed)}`.includes(mi.identityHeader), "identity header leaked");
        assert.deepEqual(managedIdentityFromEnv({}), {}, "no variables: IMDS");
      },
    );

    t.test("identity endpoints: https, loopback or the IMDS address only; the header is required", async () => {
      await assert.rejects(async () => fromManagedIdentity({ identityEndpoint: "http://evil.example/token", identityHeader: "h" }), {
        code: "ERR_INSECURE_URL",
      });
      await assert.rejects(async () => fromManagedIdentity({ imdsEndpoint: "http://10.0.0.1/token" }), { code: "ERR_INSECURE_URL" });
      await assert.rejects(async () => fromManagedIdentity({ identityEndpoint: "https://id.example/token" }), {
        code: "ERR_INVALID_INPUT",
      });
      const ok = fromManagedIdentity({
        imdsEndpoint: "https://id.example/token",
        fetch: async () => json({ access_token: "x", expires_in: 3599 }),
      });
      assert.equal((await ok({ scopes: [SCOPE] })).token, "x");
    });
  });

  t.group("entra › expiry, retries, failures", () => {
    t.test("short-lived tokens from the emulator are refreshed, never served expired", async () => {
      const emu = emulator("exp", { tokenLifetimeSeconds: 1 });
      const getToken = secretProvider(emu);
      const first = await getToken({ scopes: [SCOPE] });
      assert.equal(tokenRequests(emu), 1);
      assert.ok(first.expiresOnTimestamp - Date.now() <= 1000);
      await sleep(1100);
      const second = await getToken({ scopes: [SCOPE] });
      assert.notEqual(second.token, first.token);
      assert.equal(tokenRequests(emu), 2);
      // An expired token is not a fallback when the authority fails.
      await sleep(1100);
      const { fetch } = recordingFetch(() => json({ error: "temporarily_unavailable" }, 503));
      const broken = secretProvider(emu, { fetch, retry: false });
      await assert.rejects(() => broken({ scopes: [SCOPE] }), { code: "ERR_TOKEN" });
    });

    t.test("a failing refresh serves the cached token while it is still valid", async () => {
      let n = 0;
      const fetch = async () =>
        ++n === 1 ? json({ access_token: "first", expires_in: 200 }) : json({ error: "temporarily_unavailable" }, 503);
      const getToken = fromClientSecret({ tenantId: "t", clientId: "c", clientSecret: "s", fetch, retry: false });
      assert.equal((await getToken({ scopes: [SCOPE] })).token, "first");
      // Lifetime 200 s: refresh starts at 100 s. Not reached yet: cached, no call.
      assert.equal((await getToken({ scopes: [SCOPE] })).token, "first");
      assert.equal(n, 1);
      // A CAE request must not fall back to the revoked token.
      await assert.rejects(() => getToken({ scopes: [SCOPE], claims: "{}" }), { code: "ERR_TOKEN" });
    });

    t.test("429/5xx are retried (Retry-After honoured); unreachable authority is ERR_NETWORK", async () => {
      let n = 0;
      const fetch = async () =>
        ++n === 1
          ? json({ error: "throttled" }, 429, { "retry-after": "0" })
          : n === 2
            ? json({}, 503)
            : json({ access_token: "late", expires_in: 3599 });
      const token = await fromClientSecret({ tenantId: "t", clientId: "c", clientSecret: "s", fetch, retry: { minDelayMs: 1 } })({
        scopes: [SCOPE],
      });
      assert.equal(token.token, "late");
      assert.equal(n, 3);
      const down = fromClientSecret({
        tenantId: "t",
        clientId: "c",
        clientSecret: "s",
        retry: false,
        fetch: async () => {
          throw new TypeError("fetch failed");
        },
      });
      await assert.rejects(() => down({ scopes: [SCOPE] }), { code: "ERR_NETWORK" });
      const garbage = fromClientSecret({
        tenantId: "t",
        clientId: "c",
        clientSecret: "s",
        retry: false,
        fetch: async () => new Response("<html>proxy error</html>", { status: 502 }),
      });
      const e = await assert.rejects(() => garbage({ scopes: [SCOPE] }), { code: "ERR_TOKEN" });
      assert.match(e.message, /502 HTTP_502/);
      const noExpiry = fromClientSecret({
        tenantId: "t",
        clientId: "c",
        clientSecret: "s",
        fetch: async () => json({ access_token: "x" }),
      });
      await assert.rejects(() => noExpiry({ scopes: [SCOPE] }), { code: "ERR_INVALID_RESPONSE" });
    });

    t.test(
      "an authority that echoes what it was sent: no form of the secret, assertion or identity header in the error (URL-encoded, base64, JSON-escaped, hex, cut); trace and correlation ids only when GUID-shaped",
      async () => {
        const secret = 'Xy7~Q"+/ sWm9Rx4Lp\\é-Tq2_Zk&c=1';
        const utf8 = (text: string) => String.fromCharCode(...new TextEncoder().encode(text));
        const hex = (text: string) => Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");
        const GUID = "0b6b1c3e-8f2a-4d5e-9c7b-1a2b3c4d5e6f";
        // Each echo: what the authority answers (JSON or text), and what of the credential it carries.
        type Echo = [string, (sent: string, form: string) => { body: unknown; text?: string; needles: string[] }];
        const b64core = (prefix: string, text: string) => btoa(utf8(prefix + text)).slice(4, -4);
        const echoes: Echo[] = [
          ["as is", (c) => ({ body: { error: "invalid_client", error_description: `bad secret ${c}` }, needles: [c] })],
          ["the form body", (_c, form) => ({ body: { error: "invalid_request", error_description: `got ${form}` }, needles: [form] })],
          [
            "a URI component",
            (c) => ({ body: { error: "x", error_description: `got ${encodeURIComponent(c)}` }, needles: [encodeURIComponent(c)] }),
          ],
          ...[0, 1, 2].map(
            (n): Echo => [
              `base64 at offset ${n}`,
              (c) => ({
                body: { error: "x", error_description: `dump ${btoa(utf8("#".repeat(n) + c))}` },
                needles: [b64core("#".repeat(n), c)],
              }),
            ],
          ),
          [
            "the form body in base64url",
            (_c, form) => {
              const b = btoa(form).replace(/\+/g, "-").replace(/\//g, "_");
              // The base64 characters that encode only the secret's bytes (the form holds it URL-encoded).
              const inForm = new URLSearchParams({ s: secret }).toString().slice(2);
              const at = form.indexOf(inForm);
              return {
                body: { error: "x", error_description: b },
                needles: [b.slice(Math.ceil(at / 3) * 4, Math.floor((at + inForm.length) / 3) * 4)],
              };
            },
          ],
          ["hex", (c) => ({ body: { error: "x", error_description: hex(c) }, needles: [hex(c)] })],
          [
            "JSON-escaped in a text body",
            (c) => ({
              body: undefined,
              text: `<pre>${JSON.stringify({ client_secret: c })}</pre>`,
              needles: [JSON.stringify(c).slice(1, -1)],
            }),
          ],
          [
            "a text body where the cut at 200 falls inside it",
            (c) => ({ body: undefined, text: `${"-".repeat(190)}${c} trailing`, needles: [c.slice(0, 10)] }),
          ],
          [
            "in trace_id and correlation_id",
            (c) => ({ body: { error: "x", trace_id: c, correlation_id: `${GUID} ${c}` }, needles: [c, c.slice(0, 10)] }),
          ],
        ];
        const textsOf = (e: any): string[] => {
          const util = (globalThis as any).process?.getBuiltinModule?.("node:util");
          return [e.message, String(e), String(e.stack), JSON.stringify(e), e.errorDescription, e.traceId, e.correlationId]
            .concat(util ? [util.inspect(e, { depth: Infinity })] : [])
            .map(String);
        };
        const providers: [string, (fetch: any) => (r: { scopes: string[] }) => Promise<unknown>, string][] = [
          [
            "client secret",
            (fetch) => fromClientSecret({ tenantId: "t", clientId: "c", clientSecret: secret, fetch, retry: false }),
            secret,
          ],
          [
            "client assertion",
            (fetch) => fromClientAssertion({ tenantId: "t", clientId: "c", assertion: secret, fetch, retry: false }),
            secret,
          ],
          [
            "App Service identity header",
            (fetch) => fromManagedIdentity({ identityEndpoint: "https://id.example/token", identityHeader: secret, fetch, retry: false }),
            secret,
          ],
        ];
        const leaks: string[] = [];
        for (const [who, make, credential] of providers)
          for (const [how, echo] of echoes) {
            let answer!: ReturnType<Echo[1]>;
            const fetch = async (_input: unknown, init?: RequestInit) => {
              const sent = init?.body ? String(init.body) : "";
              // The identity endpoints get no body: their echo of "what was sent" is the header, form-encoded.
              answer = echo(credential, sent || new URLSearchParams({ "x-identity-header": credential }).toString());
              return answer.text === undefined
                ? json(answer.body, 401)
                : new Response(answer.text, { status: 400, headers: { "content-type": "text/html" } });
            };
            const e = await assert.rejects(() => make(fetch)({ scopes: [SCOPE] }));
            for (const text of textsOf(e))
              for (const needle of answer.needles)
                if (text.includes(needle)) leaks.push(`${who}, ${how}: ${needle} in ${text.slice(0, 160)}`);
            if (how.startsWith("in trace_id"))
              assert.deepEqual([e.traceId, e.correlationId], [undefined, undefined], "not GUID-shaped: dropped");
          }
        assert.deepEqual(leaks, []);
        const kept = fromClientSecret({
          tenantId: "t",
          clientId: "c",
          clientSecret: secret,
          retry: false,
          fetch: async () => json({ error: "invalid_client", trace_id: GUID, correlation_id: GUID.toUpperCase() }, 401),
        });
        const e = await assert.rejects(() => kept({ scopes: [SCOPE] }));
        assert.deepEqual([e.traceId, e.correlationId], [GUID, GUID.toUpperCase()], "GUID-shaped ids are kept");
      },
    );

    t.test("a token answer is read up to 64 KiB: a larger one is refused without being read whole (every provider)", async () => {
      let pulled = 0;
      const huge = () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              pulled++;
              if (pulled > 24 * 64) controller.close();
              else controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
            },
          }),
          { status: 200, headers: { "content-type": "application/json" } },
        );
      const providers = [
        fromClientSecret({ tenantId: "t", clientId: "c", clientSecret: "s", fetch: async () => huge(), retry: false }),
        fromManagedIdentity({ fetch: async () => huge(), retry: false }),
        fromManagedIdentity({ identityEndpoint: "https://id.example/token", identityHeader: "h", fetch: async () => huge(), retry: false }),
      ];
      for (const getToken of providers) {
        pulled = 0;
        await assert.rejects(() => getToken({ scopes: [SCOPE] }), { code: "ERR_INVALID_RESPONSE", message: /more than 65536 bytes/ });
        assert.ok(pulled <= 8, `read ${pulled} chunks of 16 KiB`);
      }
    });

    t.test(
      "an identity endpoint's token that has expired, or expires within the refresh margin, is an error naming the endpoint",
      async () => {
        const endpoint = "https://id.example/msi/token";
        const answering = (body: Record<string, unknown>) =>
          fromManagedIdentity({ identityEndpoint: endpoint, identityHeader: "h", fetch: async () => json(body), retry: false });
        const now = Math.floor(Date.now() / 1000);
        await assert.rejects(() => answering({ access_token: "x", expires_on: String(now - 10) })({ scopes: [SCOPE] }), {
          code: "ERR_INVALID_RESPONSE",
          message: /identity endpoint at https:\/\/id\.example\/msi\/token answered a token that expired at/,
        });
        await assert.rejects(() => answering({ access_token: "x", expires_in: 60 })({ scopes: [SCOPE] }), {
          code: "ERR_INVALID_RESPONSE",
          message: /https:\/\/id\.example\/msi\/token answered a token that expires at .* within the 2-minute refresh margin/,
        });
        const imds = fromManagedIdentity({ fetch: async () => json({ access_token: "x", expires_in: 30 }), retry: false });
        await assert.rejects(() => imds({ scopes: [SCOPE] }), {
          message: /169\.254\.169\.254\/metadata\/identity\/oauth2\/token answered a token/,
        });
        assert.equal((await answering({ access_token: "x", expires_on: String(now + 3600) })({ scopes: [SCOPE] })).token, "x");
      },
    );

    t.test("an aborted request rejects with the abort reason", async () => {
      const controller = new AbortController();
      let started!: () => void;
      const inFlight = new Promise<void>((r) => {
        started = r;
      });
      const fetch = (_: unknown, init?: RequestInit) =>
        new Promise<Response>((_r, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
          started();
        });
      const getToken = fromClientSecret({ tenantId: "t", clientId: "c", clientSecret: "s", fetch });
      const pending = getToken({ scopes: [SCOPE], signal: controller.signal });
      await inFlight;
      controller.abort(new Error("stop"));
      await assert.rejects(() => pending, { message: /stop/ });
      await assert.rejects(() => getToken({ scopes: [SCOPE], signal: controller.signal }), { message: /stop/ }, "already aborted");
    });
  });
};
export default suite;

// fromMsal driven by a stand-in PublicClientApplication: the calls MSAL.js would get (silent first,
// then the chosen interaction), the scopes and claims it is given, and a real client against the
// emulator answering a CAE challenge through it.
import { NOT_IN_BROWSERS, type SuiteFile } from "./harness.js";
import * as assert from "./assert.js";

interface Account {
  homeAccountId: string;
  username?: string;
}
type Req = { scopes: string[]; account?: Account; claims?: string };

class InteractionRequiredAuthError extends Error {
  override name = "InteractionRequiredAuthError";
  constructor(readonly errorCode: string) {
    super(`${errorCode}: interaction required`);
  }
}

/** A stand-in for @azure/msal-browser's PublicClientApplication that records every call. */
function standIn(behaviour: { silent?: (r: Req) => Promise<any>; popup?: (r: Req) => Promise<any>; active?: Account | null } = {}) {
  const calls: { method: string; request: Req }[] = [];
  const result = (token: string, account?: Account) => ({
    accessToken: token,
    expiresOn: new Date(Date.now() + 3600_000),
    account: account ?? null,
  });
  const app = {
    acquireTokenSilent: async (r: Req) => {
      calls.push({ method: "silent", request: r });
      return behaviour.silent ? behaviour.silent(r) : result("silent-token", r.account);
    },
    acquireTokenPopup: async (r: Req) => {
      calls.push({ method: "popup", request: r });
      return behaviour.popup ? behaviour.popup(r) : result("popup-token", { homeAccountId: "u2", username: "popup@contoso.example" });
    },
    acquireTokenRedirect: async (r: Req) => {
      calls.push({ method: "redirect", request: r });
    },
    getActiveAccount: () => (behaviour.active === undefined ? { homeAccountId: "u1", username: "user@contoso.example" } : behaviour.active),
    getAllAccounts: () => [] as Account[],
  };
  return { app, calls, result };
}

const VAULT_SCOPE = ["https://vault.azure.net/.default"];
// Browsers drop a hand-set Origin from a Request, and the emulator's token endpoint needs one for SPA codes.
const noBrowser = { only: NOT_IN_BROWSERS };

const suite: SuiteFile = (t, lib) => {
  const { fromMsal } = lib.entra;

  t.group("fromMsal", () => {
    t.test(
      "silent first, for the active account, with the challenge's resource as user_impersonation; expiresOn becomes expiresOnTimestamp",
      async () => {
        const { app, calls } = standIn();
        const getToken = fromMsal(app, { interaction: "none" });
        const token = (await getToken({ scopes: VAULT_SCOPE, tenantId: "t1" })) as { token: string; expiresOnTimestamp: number };
        assert.equal(token.token, "silent-token");
        assert.ok(Math.abs(token.expiresOnTimestamp - (Date.now() + 3600_000)) < 5_000);
        assert.deepEqual(calls, [
          {
            method: "silent",
            request: {
              scopes: ["https://vault.azure.net/user_impersonation"],
              account: { homeAccountId: "u1", username: "user@contoso.example" },
            },
          },
        ]);
        await getToken({ scopes: ["https://managedhsm.azure.net/.default"] });
        assert.deepEqual(calls[1]!.request.scopes, ["https://managedhsm.azure.net/user_impersonation"]);
        const fixed = fromMsal(app, {
          interaction: "none",
          scopes: ["api://my-vault-api/.default"],
          account: { homeAccountId: "u9", username: "x" },
        });
        await fixed({ scopes: VAULT_SCOPE });
        assert.deepEqual(calls[2]!.request, { scopes: ["api://my-vault-api/.default"], account: { homeAccountId: "u9", username: "x" } });
      },
    );

    t.test("interaction required: a popup with the same scopes and claims; its account serves the next silent call", async () => {
      let silentFails = true;
      const { app, calls, result } = standIn({
        active: null,
        silent: async (r) => {
          if (silentFails) throw new InteractionRequiredAuthError("consent_required");
          return result("silent-2", r.account);
        },
      });
      const getToken = fromMsal(app, { interaction: "popup" });
      const first = (await getToken({ scopes: VAULT_SCOPE })) as { token: string };
      assert.equal(first.token, "popup-token");
      assert.deepEqual(
        calls.map((c) => c.method),
        ["popup"],
        "no account yet: straight to the popup",
      );
      silentFails = false;
      assert.equal(((await getToken({ scopes: VAULT_SCOPE })) as { token: string }).token, "silent-2");
      assert.deepEqual(calls[1]!.request.account, { homeAccountId: "u2", username: "popup@contoso.example" });
      silentFails = true;
      const claims = '{"access_token":{"nbf":{"essential":true,"value":"1726077595"}}}';
      await getToken({ scopes: VAULT_SCOPE, claims });
      assert.deepEqual(
        calls.slice(2).map((c) => [c.method, c.request.claims]),
        [
          ["silent", claims],
          ["popup", claims],
        ],
      );
    });

    t.test("concurrent callers share one popup; errors that are not interaction-required are not turned into popups", async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const { app, calls, result } = standIn({
        silent: async () => {
          throw Object.assign(new Error("x"), { errorCode: "login_required" });
        },
        popup: async () => {
          await gate;
          return result("shared");
        },
      });
      const getToken = fromMsal(app, { interaction: "popup" });
      const all = Promise.all([getToken({ scopes: VAULT_SCOPE }), getToken({ scopes: VAULT_SCOPE }), getToken({ scopes: VAULT_SCOPE })]);
      await new Promise((r) => setTimeout(r, 10));
      release();
      assert.deepEqual(
        (await all).map((x: any) => x.token),
        ["shared", "shared", "shared"],
      );
      assert.equal(calls.filter((c) => c.method === "popup").length, 1);
      const broken = standIn({
        silent: async () => {
          throw Object.assign(new Error("network down"), { errorCode: "post_request_failed" });
        },
      });
      await assert.rejects(() => fromMsal(broken.app, { interaction: "popup" })({ scopes: VAULT_SCOPE }), { message: /network down/ });
      assert.deepEqual(
        broken.calls.map((c) => c.method),
        ["silent"],
      );
    });

    t.test(
      '"none" fails with ERR_INTERACTION_REQUIRED; "redirect" starts the redirect and fails with ERR_INTERACTION_REDIRECT',
      async () => {
        const failing = () =>
          standIn({
            silent: async () => {
              throw new InteractionRequiredAuthError("no_tokens_found");
            },
          });
        const a = failing();
        await assert.rejects(() => fromMsal(a.app, { interaction: "none" })({ scopes: VAULT_SCOPE }), {
          name: "KeyVaultClientError",
          code: "ERR_INTERACTION_REQUIRED",
        });
        assert.deepEqual(
          a.calls.map((c) => c.method),
          ["silent"],
        );
        const b = failing();
        await assert.rejects(() => fromMsal(b.app, { interaction: "redirect" })({ scopes: VAULT_SCOPE }), {
          name: "KeyVaultClientError",
          code: "ERR_INTERACTION_REDIRECT",
        });
        assert.deepEqual(
          b.calls.map((c) => [c.method, c.request.scopes[0]]),
          [
            ["silent", "https://vault.azure.net/user_impersonation"],
            ["redirect", "https://vault.azure.net/user_impersonation"],
          ],
        );
        const noExpiry = standIn({ silent: async () => ({ accessToken: "bare", expiresOn: null }) });
        assert.equal(
          await fromMsal(noExpiry.app, { interaction: "none" })({ scopes: VAULT_SCOPE }),
          "bare",
          "no expiry: a bare token, used once",
        );
        const empty = standIn({ silent: async () => ({ accessToken: "", expiresOn: null }) });
        await assert.rejects(() => fromMsal(empty.app, { interaction: "none" })({ scopes: VAULT_SCOPE }), { code: "ERR_TOKEN" });
      },
    );

    t.test("bad arguments are refused at creation", async () => {
      const { app } = standIn();
      await assert.rejects(() => fromMsal({} as any, { interaction: "none" }), {
        code: "ERR_INVALID_INPUT",
        message: /acquireTokenSilent/,
      });
      await assert.rejects(() => fromMsal(app, {} as any), { code: "ERR_INVALID_INPUT", message: /interaction/ });
      await assert.rejects(() => fromMsal({ acquireTokenSilent: app.acquireTokenSilent }, { interaction: "popup" }), {
        code: "ERR_INVALID_INPUT",
        message: /acquireTokenPopup/,
      });
      await assert.rejects(() => fromMsal(app, { interaction: "none", scopes: [] }), { code: "ERR_INVALID_INPUT", message: /scopes/ });
    });

    t.test("a client against the emulator: after a CAE revocation the challenge's claims reach MSAL and the call succeeds", async () => {
      const emu = lib.emulator.createEmulator();
      const seen: Req[] = [];
      // Stands in for MSAL's refresh-token grant: a token from the emulated authority, with the claims asked for.
      const { app } = standIn({
        silent: async (r) => {
          seen.push(r);
          const t = await emu.getToken({
            scopes: [r.scopes[0]!.replace(/\/user_impersonation$/, "/.default")],
            ...(r.claims ? { claims: r.claims } : {}),
          });
          return { accessToken: t.token, expiresOn: new Date(t.expiresOnTimestamp), account: r.account };
        },
      });
      const client = new lib.keys.KeyClient(emu.vaultUrl, { getToken: fromMsal(app, { interaction: "none" }), fetch: emu.fetch });
      await client.createEcKey("cae-key", { curve: "P-256" });
      emu.revokeSessions();
      const key = await client.getKey("cae-key");
      assert.equal(key.key.crv, "P-256");
      assert.equal(seen.length, 2);
      assert.equal(seen[0]!.claims, undefined);
      const claims = JSON.parse(seen[1]!.claims!);
      assert.equal(claims.access_token.nbf.essential, true, "the decoded CAE claims, as JSON text");
      assert.deepEqual(seen[1]!.scopes, [`${emu.resource}/user_impersonation`]);
    });
  });

  t.group("emulator sign-in (authorization code + PKCE)", () => {
    const b64url = (bytes: Uint8Array) => lib.core.base64UrlEncode(bytes);
    async function pkce() {
      const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
      const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
      return { verifier, challenge };
    }
    function setup() {
      const emu = lib.emulator.createEmulator();
      const spa = crypto.randomUUID();
      const page = "http://127.0.0.1:5173";
      emu.registerClient({ clientId: spa, redirectUris: [`${page}/`] });
      const base = `${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0`;
      const authorizeUrl = (challenge: string, extra: Record<string, string> = {}) =>
        `${base}/authorize?` +
        new URLSearchParams({
          client_id: spa,
          response_type: "code",
          redirect_uri: `${page}/`,
          scope: `openid profile offline_access ${emu.resource}/user_impersonation`,
          state: "st-1",
          nonce: "n-1",
          code_challenge: challenge,
          code_challenge_method: "S256",
          ...extra,
        });
      const signIn = async (challenge: string, username = "ada@contoso.example") => {
        const form = await emu.fetch(authorizeUrl(challenge));
        assert.equal(form.status, 200);
        assert.match(await form.text(), /<form method="post"[^]*id="username"[^]*id="signin"/);
        const back = await emu.fetch(authorizeUrl(challenge), {
          method: "POST",
          body: new URLSearchParams({ username }),
          redirect: "manual",
        });
        assert.equal(back.status, 302);
        const location = new URL(back.headers.get("location")!);
        assert.equal(location.origin + location.pathname, `${page}/`);
        assert.equal(location.searchParams.get("state"), "st-1");
        return location.searchParams.get("code")!;
      };
      const redeem = (fields: Record<string, string>, origin: string | null = page) =>
        emu.fetch(`${base}/token`, {
          method: "POST",
          body: new URLSearchParams({ client_id: spa, ...fields }),
          headers: { "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) },
        });
      return { emu, spa, page, base, authorizeUrl, signIn, redeem };
    }

    t.test(
      "sign in, redeem the code with the verifier cross-origin, call the vault as the user, refresh with CAE claims",
      async () => {
        const { emu, spa, page, signIn, redeem } = setup();
        const { verifier, challenge } = await pkce();
        const code = await signIn(challenge);
        const res = await redeem({
          grant_type: "authorization_code",
          code,
          redirect_uri: `${page}/`,
          code_verifier: verifier,
          claims: '{"access_token":{"xms_cc":{"values":["cp1"]}}}',
        });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("access-control-allow-origin"), page);
        const tokens = (await res.json()) as Record<string, string>;
        const access = JSON.parse(new TextDecoder().decode(lib.core.base64UrlDecode(tokens.access_token!.split(".")[1]!)));
        assert.deepEqual(
          [access.aud, access.appid, access.scp, access.upn, access.appidacr, access.xms_cc],
          [emu.resource, spa, "user_impersonation", "ada@contoso.example", "0", ["CP1"]],
        );
        const id = JSON.parse(new TextDecoder().decode(lib.core.base64UrlDecode(tokens.id_token!.split(".")[1]!)));
        assert.deepEqual([id.aud, id.nonce, id.preferred_username, id.oid], [spa, "n-1", "ada@contoso.example", access.oid]);
        assert.ok(tokens.refresh_token && tokens.client_info);
        // The delegated token works at the vault; after a revocation the refresh token answers the claims.
        const client = new lib.core.KeyVaultClient(emu.vaultUrl, { fetch: emu.fetch, getToken: () => tokens.access_token! });
        assert.equal((await client.fetch("/keys")).status, 200);
        emu.revokeSessions();
        assert.equal((await client.fetch("/keys")).status, 401, "the revoked token gets the CAE challenge");
        const refreshed = await redeem({
          grant_type: "refresh_token",
          refresh_token: tokens.refresh_token!,
          scope: `${emu.resource}/user_impersonation`,
          claims: '{"access_token":{"xms_cc":{"values":["cp1"]},"nbf":{"essential":true,"value":"1"}}}',
        });
        assert.equal(refreshed.status, 200);
        const fresh = (await refreshed.json()) as Record<string, string>;
        const after = new lib.core.KeyVaultClient(emu.vaultUrl, { fetch: emu.fetch, getToken: () => fresh.access_token! });
        assert.equal((await after.fetch("/keys")).status, 200);
        const again = await redeem({
          grant_type: "refresh_token",
          refresh_token: tokens.refresh_token!,
          scope: `${emu.resource}/user_impersonation`,
        });
        assert.equal(((await again.json()) as any).error, "invalid_grant", "refresh tokens rotate: the old one is spent");
      },
      noBrowser,
    );

    t.test(
      "refused: wrong verifier, a code used twice, no Origin, an unregistered redirect URI (no redirect), missing PKCE, prompt=none",
      async () => {
        const { emu, page, authorizeUrl, signIn, redeem } = setup();
        const { verifier, challenge } = await pkce();
        const code = await signIn(challenge);
        const wrong = await redeem({
          grant_type: "authorization_code",
          code,
          redirect_uri: `${page}/`,
          code_verifier: (await pkce()).verifier,
        });
        assert.match(((await wrong.json()) as any).error_description, /^AADSTS50148/);
        const reused = await redeem({ grant_type: "authorization_code", code, redirect_uri: `${page}/`, code_verifier: verifier });
        assert.equal(((await reused.json()) as any).error, "invalid_grant", "a code works once, even after a failed try");
        const code2 = await signIn(challenge);
        const noOrigin = await redeem(
          { grant_type: "authorization_code", code: code2, redirect_uri: `${page}/`, code_verifier: verifier },
          null,
        );
        assert.match(((await noOrigin.json()) as any).error_description, /^AADSTS9002327/);
        const foreign = await emu.fetch(authorizeUrl(challenge, { redirect_uri: "https://evil.example/" }), { redirect: "manual" });
        assert.equal(foreign.status, 400);
        assert.equal(foreign.headers.get("location"), null);
        assert.match(await foreign.text(), /AADSTS50011/);
        const noPkce = await emu.fetch(authorizeUrl("", { code_challenge: "" }), { redirect: "manual" });
        assert.match(new URL(noPkce.headers.get("location")!).searchParams.get("error_description")!, /^AADSTS9002325/);
        const silent = await emu.fetch(authorizeUrl(challenge, { prompt: "none" }), { redirect: "manual" });
        assert.equal(new URL(silent.headers.get("location")!).searchParams.get("error"), "login_required");
        const badUser = await emu.fetch(authorizeUrl(challenge), {
          method: "POST",
          body: new URLSearchParams({ username: "nobody" }),
          redirect: "manual",
        });
        assert.equal(badUser.status, 200);
        assert.match(await badUser.text(), /class="error"/);
      },
      noBrowser,
    );
  });
};
export default suite;

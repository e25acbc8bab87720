// The emulator as something a developer leaves running (issue 13), in-process in every runtime:
// several vaults behind one authority, a clock tests can move, state that survives a restart
// (encrypted or not) and refuses files it did not write, vault state as a test fixture, CORS.
import { NOT_IN_BROWSERS, type SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import type { Emulator as Emu, StateStorage } from "../../emulator/src/index.js";

const API = "api-version=2025-07-01";
const DAY = 86_400_000;

async function caller(emu: Emu, vaultUrl = emu.vaultUrl, resource = emu.resource) {
  const token = (await emu.getToken({ scopes: [`${resource}/.default`] })).token;
  const call = async (method: string, path: string, body?: unknown) => {
    const url = path.startsWith("https://") ? path : `${vaultUrl}${path}${path.includes("?") ? "&" : "?"}${API}`;
    const res = await emu.fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined } as {
      status: number;
      headers: Headers;
      text: string;
      json: any;
    };
  };
  return { token, call };
}

/** A storage in memory that counts writes and can be made to fail. */
function memoryStorage(initial?: string): StateStorage & { text: string | undefined; writes: number } {
  const s = {
    text: initial,
    writes: 0,
    async read() {
      return s.text;
    },
    async write(t: string) {
      s.writes++;
      s.text = t;
    },
  };
  return s;
}

/** Asserts that fn throws an error of that class, or whose message matches. */
function throws(fn: () => unknown, expected: RegExp | (new (...a: any[]) => Error)): void {
  try {
    fn();
  } catch (e) {
    if (expected instanceof RegExp ? expected.test(String((e as Error)?.message)) : e instanceof expected) return;
    throw new assert.AssertionError(`threw the wrong error: ${String(e)}`);
  }
  throw new assert.AssertionError("expected an error");
}

const b64url = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const suite: SuiteFile = (t, lib) => {
  const { createEmulator, openEmulator, EmulatorStateError } = lib.emulator;

  t.group("emulator dev server: several vaults", () => {
    t.test("two vaults and a Managed HSM behind one authority: own keys, own access policies, own challenge, own reset", async () => {
      const emu = createEmulator({ vaults: [{ name: "iso-a" }, { name: "iso-b" }, { name: "iso-h", managedHsm: true }] });
      assert.deepEqual(
        emu.vaults.map((v) => v.url),
        ["https://iso-a.vault.azure.net", "https://iso-b.vault.azure.net", "https://iso-h.managedhsm.azure.net"],
      );
      assert.equal(emu.vaultUrl, "https://iso-a.vault.azure.net");
      const a = await caller(emu, emu.vault("iso-a").url);
      const b = await caller(emu, emu.vault("iso-b").url);
      const h = await caller(emu, emu.vault("iso-h").url, emu.vault("iso-h").resource);
      assert.equal((await a.call("POST", "/keys/shared/create", { kty: "EC" })).status, 200);
      assert.equal((await b.call("GET", "/keys/shared")).status, 404, "b does not see a's key");
      assert.equal((await b.call("POST", "/keys/shared/create", { kty: "RSA" })).json.key.kty, "RSA");
      assert.equal((await a.call("GET", "/keys/shared")).json.key.kty, "EC", "a's key is untouched");
      assert.equal((await h.call("POST", "/keys/aes/create", { kty: "oct-HSM" })).status, 200);
      assert.equal((await a.call("POST", "/keys/aes/create", { kty: "oct-HSM" })).status, 400, "no AES in a vault");
      // Each its own challenge: a vault token is refused by the HSM (audience), and the other way round.
      const hsmWithVaultToken = await emu.fetch(`${emu.vault("iso-h").url}/keys?${API}`, {
        headers: { authorization: `Bearer ${a.token}` },
      });
      assert.equal(hsmWithVaultToken.status, 401);
      assert.match(hsmWithVaultToken.headers.get("www-authenticate") ?? "", /resource="https:\/\/managedhsm\.azure\.net"/);
      // Access policies per vault.
      emu.vault("iso-b").setKeyPermissions(emu.clientId, ["get", "list"]);
      assert.equal((await b.call("POST", "/keys/nope/create", { kty: "EC" })).status, 403);
      assert.equal((await a.call("POST", "/keys/yes/create", { kty: "EC" })).status, 200, "a has no policy");
      // Deleting in one vault leaves the name free in the other.
      assert.equal((await a.call("DELETE", "/keys/shared")).status, 200);
      assert.equal((await b.call("GET", "/keys/shared")).status, 200);
      // Reset one vault.
      emu.vault("iso-a").reset();
      assert.deepEqual((await a.call("GET", "/keys")).json.value, []);
      assert.equal((await a.call("GET", "/deletedkeys/shared")).status, 404);
      assert.equal((await b.call("GET", "/keys")).json.value.length, 1);
      assert.equal((await b.call("POST", "/keys/nope/create", { kty: "EC" })).status, 403, "a reset keeps the access policies");
      throws(() => emu.vault("nope"), /no vault nope/);
      assert.equal(emu.vault("https://iso-b.vault.azure.net").name, "iso-b");
    });

    t.test("createEmulator() with one vault is what it was; vaults[] refuses top-level vault options and duplicates", async () => {
      const one = createEmulator({ name: "solo-vault" });
      assert.equal(one.vaultUrl, "https://solo-vault.vault.azure.net");
      assert.equal(one.vaults.length, 1);
      throws(() => createEmulator({ name: "x-y-z", vaults: [{ name: "abc" }] }), /inside vaults/);
      throws(() => createEmulator({ vaults: [{ name: "abc" }, { name: "ABC" }] }), /two vaults/);
      throws(() => createEmulator({ vaults: [] }), /at least one/);
    });

    t.test("a vault's state exports (private keys included) and imports elsewhere as a fixture: keys sign the same", async () => {
      const src = createEmulator({ name: "fixture-src" });
      const { call } = await caller(src);
      const made = (await call("POST", "/keys/signer/create", { kty: "EC", crv: "P-256", tags: { env: "test" } })).json;
      await call("POST", "/keys/gone/create", { kty: "RSA" });
      await call("DELETE", "/keys/gone");
      src.vault("fixture-src").setKeyPermissions("reader", ["get"]);
      const fixture = JSON.parse(JSON.stringify(src.vault("fixture-src").exportState()));
      assert.equal(fixture.format, "keyvault-fetch-emulator-vault");
      const dst = createEmulator({ vaults: [{ name: "fixture-dst", state: fixture }] });
      const d = await caller(dst);
      const got = (await d.call("GET", "/keys/signer")).json;
      assert.equal(got.key.x, made.key.x);
      assert.equal(got.key.kid.split("/").pop(), made.key.kid.split("/").pop(), "same version");
      assert.deepEqual(got.tags, { env: "test" });
      assert.equal((await d.call("GET", "/deletedkeys/gone")).status, 200, "deleted keys come along");
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("fixture")));
      const sig = (await d.call("POST", "/keys/signer/sign", { alg: "ES256", value: b64url(digest) })).json.value;
      assert.equal(
        (await call("POST", "/keys/signer/verify", { alg: "ES256", digest: b64url(digest), value: sig })).json.value,
        true,
        "the source verifies what the copy signed",
      );
      assert.deepEqual(dst.vault("fixture-dst").exportState().accessPolicies, [["reader", { keys: ["get"] }]]);
      throws(() => dst.vault("fixture-dst").importState({ ...fixture, format: "other" }), /not a vault state/);
      throws(() => createEmulator({ managedHsm: true }).vaults[0]!.importState(fixture), /vault's/);
      const broken = { ...fixture, parts: { keys: { keys: [{ name: "x" }], deleted: [] } } };
      throws(() => dst.vault("fixture-dst").importState(broken), TypeError);
      assert.equal((await d.call("GET", "/keys/signer")).status, 200, "a refused import changes nothing");
    });
  });

  t.group("emulator dev server: time control", () => {
    t.test("advancing the clock expires a key, starts an nbf, fires a rotation policy and purges a deleted key", async () => {
      const emu = createEmulator({ recoverableDays: 7 });
      const { call } = await caller(emu);
      const now = Math.floor(emu.clock.now() / 1000);
      const digest = b64url(new Uint8Array(32).fill(7));
      await call("POST", "/keys/expiring/create", { kty: "EC", attributes: { exp: now + 10 * 86400 } });
      await call("POST", "/keys/later/create", { kty: "EC", attributes: { nbf: now + 5 * 86400 } });
      await call("POST", "/keys/rotating/create", { kty: "EC" });
      await call("PUT", "/keys/rotating/rotationpolicy", {
        lifetimeActions: [{ trigger: { timeAfterCreate: "P30D" }, action: { type: "Rotate" } }],
        attributes: { expiryTime: "P90D" },
      });
      await call("POST", "/keys/deleted/create", { kty: "EC" });
      await call("DELETE", "/keys/deleted");
      assert.equal((await call("POST", "/keys/expiring/sign", { alg: "ES256", value: digest })).status, 200);
      assert.equal((await call("POST", "/keys/later/sign", { alg: "ES256", value: digest })).json.error.innererror.code, "KeyNotYetValid");

      const before = emu.clock.now();
      assert.ok(Math.abs(emu.clock.advance("P31D") - before - 31 * DAY) < 5000, "advance returns the new time");
      assert.equal(emu.clock.offsetMs, 31 * DAY);
      const events = await emu.sweep();
      assert.deepEqual(events.map((e) => e.kind).sort(), ["key-purged", "key-rotated"]);
      assert.equal(events.find((e) => e.kind === "key-purged")!.id, `${emu.vaultUrl}/keys/deleted`);
      assert.match(
        events.find((e) => e.kind === "key-rotated")!.id,
        new RegExp(`^${emu.vaultUrl.replace(/\./g, "\\.")}/keys/rotating/[0-9a-f]{32}$`),
      );

      // The token from before the jump has expired by the emulator's clock: a fresh one works.
      const stale = await call("GET", "/keys");
      assert.equal(stale.status, 401, "a token issued 31 days ago has expired");
      const fresh = await caller(emu);
      assert.equal(
        (await fresh.call("POST", "/keys/expiring/sign", { alg: "ES256", value: digest })).json.error.innererror.code,
        "KeyExpired",
      );
      assert.equal((await fresh.call("POST", "/keys/later/sign", { alg: "ES256", value: digest })).status, 200, "nbf has passed");
      const versions = (await fresh.call("GET", "/keys/rotating/versions")).json.value;
      assert.equal(versions.length, 2, "the rotation policy fired");
      assert.ok(Math.abs(versions[1].attributes.created - Math.floor(emu.clock.now() / 1000)) < 120, "made at the emulator's time");
      assert.equal((await fresh.call("GET", "/deletedkeys/deleted")).status, 404, "purged at its scheduled purge date");
      assert.equal((await emu.sweep()).length, 0, "nothing is due twice");
      emu.clock.set("2031-01-01T00:00:00Z");
      assert.equal(new Date(emu.clock.now()).toISOString().slice(0, 10), "2031-01-01");
      emu.clock.reset();
      assert.ok(Math.abs(emu.clock.now() - Date.now()) < 5000);
      throws(() => emu.clock.advance("soon"), RangeError);
      throws(() => emu.clock.set("not a date"), RangeError);
    });
  });

  t.group("emulator dev server: persistence", () => {
    t.test("state survives a restart: keys, versions, deleted keys, the identity, the clock and tokens issued before", async () => {
      const storage = memoryStorage();
      const first = await openEmulator({ name: "persist-me", persistence: { storage } });
      assert.ok(
        first.warnings.some((w) => /in the clear/.test(w)),
        "a state without a key is saved with a warning",
      );
      const { call, token } = await caller(first);
      const made = (await call("POST", "/keys/kept/create", { kty: "EC" })).json.key;
      await call("POST", "/keys/kept/rotate");
      await call("POST", "/keys/bin/create", { kty: "RSA" });
      await call("DELETE", "/keys/bin");
      const digest = b64url(new Uint8Array(32).fill(1));
      const sig = (await call("POST", `/keys/kept/${made.kid.split("/").pop()}/sign`, { alg: "ES256", value: digest })).json.value;
      first.clock.advance("PT1M");
      await first.flush();
      const writes = storage.writes;
      assert.ok(writes >= 5, `written through (${writes} writes)`);
      // "Restart": a new emulator on the same storage.
      const second = await openEmulator({ name: "persist-me", persistence: { storage } });
      assert.equal(second.tenantId, first.tenantId);
      assert.equal(second.clientSecret, first.clientSecret);
      assert.equal(second.clock.offsetMs, 60_000);
      const res = await second.fetch(`${second.vaultUrl}/keys/kept/versions?${API}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, "a token issued before the restart still opens the vault");
      assert.equal(((await res.json()) as any).value.length, 2);
      const { call: again } = await caller(second);
      assert.equal(
        (await again("POST", `/keys/kept/${made.kid.split("/").pop()}/verify`, { alg: "ES256", digest, value: sig })).json.value,
        true,
        "same private key",
      );
      assert.equal((await again("GET", "/deletedkeys/bin")).status, 200);
      assert.deepEqual(
        (await again("GET", "/keys")).json.value.map((i: any) => i.kid.split("/").pop()),
        ["kept"],
      );
    });

    t.test("secrets are a vault part too: saved, restored, exported with their permissions, reset, and kept apart per vault", async () => {
      const storage = memoryStorage();
      const emu = await openEmulator({ vaults: [{ name: "sec-a" }, { name: "sec-b" }], persistence: { storage } });
      const a = await caller(emu, emu.vault("sec-a").url),
        b = await caller(emu, emu.vault("sec-b").url);
      assert.equal((await a.call("PUT", "/secrets/db-password", { value: "hunter2" })).status, 200);
      assert.equal((await b.call("GET", "/secrets/db-password")).status, 404, "not in the other vault");
      emu.vault("sec-a").setSecretPermissions("reader", ["get"]);
      await emu.flush();
      const again = await openEmulator({ vaults: [{ name: "sec-a" }, { name: "sec-b" }], persistence: { storage } });
      const a2 = await caller(again, again.vault("sec-a").url);
      assert.equal((await a2.call("GET", "/secrets/db-password")).json.value, "hunter2", "survived the restart");
      const exported = again.vault("sec-a").exportState();
      assert.ok(Object.hasOwn(exported.parts, "secrets"), "exported with the keys");
      assert.deepEqual(exported.accessPolicies, [["reader", { secrets: ["get"] }]]);
      const copy = createEmulator({ vaults: [{ name: "sec-c", state: exported }] });
      assert.equal((await (await caller(copy)).call("GET", "/secrets/db-password")).json.value, "hunter2", "a fixture carries secrets");
      again.vault("sec-a").reset();
      assert.equal((await a2.call("GET", "/secrets/db-password")).status, 404, "reset forgets secrets too");
    });

    t.test(
      "an encrypted state (raw key, or passphrase with PBKDF2): no key material in the file; wrong or missing key refused, file untouched",
      async () => {
        const raw = crypto.getRandomValues(new Uint8Array(32));
        for (const key of [raw, "correct horse battery staple"] as const) {
          const storage = memoryStorage();
          const emu = await openEmulator({ name: "sealed-one", persistence: { storage, key, kdfIterations: 100_000 } });
          assert.equal(emu.warnings.length, 0);
          const { call } = await caller(emu);
          const made = (await call("POST", "/keys/secretive/create", { kty: "EC" })).json.key;
          await emu.flush();
          const text = storage.text!;
          const file = JSON.parse(text);
          assert.equal(file.format, "keyvault-fetch-emulator-state");
          assert.equal(file.protection.alg, "A256GCM");
          for (const secret of [made.x, "secretive", emu.clientSecret, emu.tenantId])
            assert.ok(!text.includes(secret), "nothing readable in the file");
          const again = await openEmulator({ name: "sealed-one", persistence: { storage, key, kdfIterations: 100_000 } });
          assert.equal((await (await caller(again)).call("GET", "/keys/secretive")).json.key.x, made.x);
          const before = storage.text;
          const wrong = typeof key === "string" ? "wrong passphrase" : crypto.getRandomValues(new Uint8Array(32));
          const e1 = await assert.rejects(() => openEmulator({ name: "sealed-one", persistence: { storage, key: wrong } }), {
            code: "ERR_STATE_KEY",
          });
          assert.ok(e1 instanceof EmulatorStateError);
          await assert.rejects(() => openEmulator({ name: "sealed-one", persistence: { storage } }), {
            code: "ERR_STATE_KEY",
            message: /encrypted/,
          });
          assert.equal(storage.text, before, "a refused file is never written");
        }
      },
      { timeoutMs: 60_000 },
    );

    t.test("a damaged, foreign or newer state file is refused with a clear message and left byte for byte as it was", async () => {
      const storage = memoryStorage();
      const emu = await openEmulator({ name: "damage-me", persistence: { storage } });
      await (await caller(emu)).call("POST", "/keys/k/create", { kty: "EC" });
      await emu.flush();
      const good = storage.text!;
      const cases: [string, string, RegExp][] = [
        [good.replace(/"kty": ?"EC"/, '"kty":"RSA"'), "ERR_STATE_CORRUPT", /checksum/],
        [good.slice(0, good.length / 2), "ERR_STATE_CORRUPT", /damaged/],
        ['{"name":"my-app","version":"1.0.0"}\n', "ERR_STATE_FOREIGN", /not a keyvault-emulator state file/],
        ["PRIVATE NOTES\n", "ERR_STATE_FOREIGN", /refusing to use or overwrite it/],
        [good.replace('"version": 1', '"version": 9'), "ERR_STATE_VERSION", /newer/],
        ["", "ERR_STATE_FOREIGN", /not a keyvault-emulator state file/],
      ];
      for (const [text, code, message] of cases) {
        const s = memoryStorage(text);
        await assert.rejects(() => openEmulator({ name: "damage-me", persistence: { storage: s, name: "kv.state" } }), { code, message });
        assert.equal(s.text, text, `${code}: the file is untouched`);
        assert.equal(s.writes, 0);
      }
    });

    t.test("saved vaults this emulator does not serve are kept; a write that fails answers 500 and is retried", async () => {
      const storage = memoryStorage();
      const two = await openEmulator({ vaults: [{ name: "keep-a" }, { name: "keep-b" }], persistence: { storage } });
      await (await caller(two, two.vault("keep-b").url)).call("POST", "/keys/in-b/create", { kty: "EC" });
      await two.flush();
      const onlyA = await openEmulator({ vaults: [{ name: "keep-a" }], persistence: { storage } });
      await (await caller(onlyA)).call("POST", "/keys/in-a/create", { kty: "EC" });
      await onlyA.flush();
      const both = await openEmulator({ vaults: [{ name: "keep-a" }, { name: "keep-b" }], persistence: { storage } });
      assert.equal(
        (await (await caller(both, both.vault("keep-b").url)).call("GET", "/keys/in-b")).status,
        200,
        "keep-b survived a run without it",
      );
      assert.equal((await (await caller(both)).call("GET", "/keys/in-a")).status, 200);

      let fail = false;
      const flaky: StateStorage = {
        read: storage.read,
        write: async (text) => {
          if (fail) throw new Error("disk full");
          await storage.write(text);
        },
      };
      const emu = await openEmulator({ vaults: [{ name: "keep-a" }], persistence: { storage: flaky } });
      const { call } = await caller(emu);
      fail = true;
      const r = await call("POST", "/keys/unsaved/create", { kty: "EC" });
      assert.equal(r.status, 500);
      assert.match(r.json.error.message, /could not save its state: disk full/);
      fail = false;
      assert.equal((await call("GET", "/keys/in-a")).status, 200);
      const after = await openEmulator({ vaults: [{ name: "keep-a" }], persistence: { storage } });
      assert.equal((await (await caller(after)).call("GET", "/keys/unsaved")).status, 200, "the next request's write saved it");
    });
  });

  t.group("emulator dev server: CORS", () => {
    t.test(
      "cors: listed origins get preflights answered and WWW-Authenticate exposed, on the vault and the token endpoint; others get nothing",
      async () => {
        const page = "http://localhost:5173";
        const emu = createEmulator({ cors: [page] });
        const preflight = await emu.fetch(`${emu.vaultUrl}/keys/k/create?${API}`, {
          method: "OPTIONS",
          headers: {
            origin: page,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
          },
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.get("access-control-allow-origin"), page);
        assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
        assert.equal(preflight.headers.get("access-control-allow-headers"), "authorization,content-type");
        const challenge = await emu.fetch(`${emu.vaultUrl}/keys?${API}`, { headers: { origin: page } });
        assert.equal(challenge.status, 401);
        assert.equal(challenge.headers.get("access-control-allow-origin"), page);
        assert.match(challenge.headers.get("access-control-expose-headers") ?? "", /WWW-Authenticate/);
        assert.match(challenge.headers.get("access-control-expose-headers") ?? "", /x-ms-request-id/);
        const tokenPreflight = await emu.fetch(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, {
          method: "OPTIONS",
          headers: { origin: page, "access-control-request-method": "POST" },
        });
        assert.equal(tokenPreflight.headers.get("access-control-allow-origin"), page);
        const token = await emu.fetch(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, {
          method: "POST",
          headers: { origin: page, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: emu.clientId,
            client_secret: emu.clientSecret,
            scope: `${emu.resource}/.default`,
          }),
        });
        assert.equal(token.status, 200);
        assert.equal(token.headers.get("access-control-allow-origin"), page);
        for (const other of ["http://evil.example", "http://localhost:5174"]) {
          const p = await emu.fetch(`${emu.vaultUrl}/keys?${API}`, {
            method: "OPTIONS",
            headers: { origin: other, "access-control-request-method": "GET" },
          });
          assert.equal(p.headers.get("access-control-allow-origin"), null, other);
          const g = await emu.fetch(`${emu.vaultUrl}/keys?${API}`, { headers: { origin: other } });
          assert.equal(g.headers.get("access-control-allow-origin"), null, other);
          assert.equal(g.headers.get("access-control-expose-headers"), null);
        }
        const off = createEmulator();
        const none = await off.fetch(`${off.vaultUrl}/keys?${API}`, { headers: { origin: page } });
        assert.equal(none.headers.get("access-control-allow-origin"), null, "never on by default");
        throws(() => createEmulator({ cors: ["*"] }), /scheme:\/\/host/);
        throws(() => createEmulator({ cors: ["http://localhost:5173/app"] }), /scheme:\/\/host/);
      },
      { only: NOT_IN_BROWSERS },
    ); // a page cannot set Origin itself: test/node/emulator-cors.test.ts drives Chromium
  });
};
export default suite;

// Input a real vault refuses must not crash or corrupt the emulator (issue 9, item 8), and real
// clients' api-versions and port-443 URLs must get the service's answers (item 9).
import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import type { Emulator as Emu } from "../../emulator/src/index.js";

const API = "api-version=2025-07-01";

async function caller(emu: Emu, apiVersion = "2025-07-01") {
  const { token } = await emu.getToken({ scopes: [`${emu.resource}/.default`] });
  const call = async (method: string, path: string, body?: unknown) => {
    const url = path.startsWith("https://") ? path : `${emu.vaultUrl}${path}${path.includes("?") ? "&" : "?"}api-version=${apiVersion}`;
    const res = await emu.fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return { token, call };
}

/** Every name Object.prototype has (constructor, __proto__, toString, hasOwnProperty, …). */
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);

const suite: SuiteFile = (t, lib) => {
  t.group("emulator trust: hostile input", () => {
    t.test("malformed %-escapes (/keys/%E0, /keys/k/%FF/sign, /deletedkeys/%) get the service's 400 JSON", async () => {
      const { createEmulator } = lib.emulator;
      const emu = createEmulator();
      const { call } = await caller(emu);
      for (const [method, path] of [
        ["GET", "/keys/%E0"],
        ["POST", "/keys/k/%FF/sign"],
        ["GET", "/deletedkeys/%"],
        ["PUT", "/keys/%C3%28"],
      ] as const) {
        const r = await call(method, path, method === "GET" ? undefined : {});
        assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
        assert.equal(r.json?.error?.code, "BadParameter", `${method} ${path}`);
        assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
      }
    });

    t.test("Object.prototype names in the path are plain unknown strings: no operation, no echo, no 500", async () => {
      const { createEmulator } = lib.emulator;
      const emu = createEmulator();
      const { call } = await caller(emu);
      const kid = (await call("POST", "/keys/k/create", { kty: "EC" })).json.key.kid as string;
      const version = kid.split("/").pop();
      for (const name of PROTO_NAMES) {
        const op = await call("POST", `/keys/k/${encodeURIComponent(name)}`, { alg: "ES256", value: "AAAA" });
        assert.ok(
          op.status === 404 || op.status === 405 || op.status === 400,
          `POST /keys/k/${name}: ${op.status} ${op.text.slice(0, 80)}`,
        );
        const vop = await call("POST", `/keys/k/${version}/${encodeURIComponent(name)}`, { alg: "ES256", value: "AAAA" });
        assert.equal(vop.status, 404, `POST /keys/k/<version>/${name}: ${vop.text.slice(0, 80)}`);
        const get = await call("GET", `/keys/${encodeURIComponent(name)}`);
        assert.ok(get.status === 404 || get.status === 400, `GET /keys/${name}: ${get.status}`);
      }
      // Valid key names that happen to be Object.prototype members are ordinary keys.
      for (const name of ["constructor", "hasOwnProperty", "toString", "valueOf"]) {
        const made = await call("POST", `/keys/${name}/create`, { kty: "EC" });
        assert.equal(made.status, 200, `${name}: ${made.text.slice(0, 120)}`);
        assert.equal((await call("GET", `/keys/${name}`)).json.key.kid, made.json.key.kid);
      }
      const listed = (await call("GET", "/keys")).json.value.map((i: any) => i.kid.split("/").pop());
      assert.deepEqual(listed, ["constructor", "hasOwnProperty", "k", "toString", "valueOf"]);
    });

    t.test(
      "Object.prototype names as kty, crv, alg, key_ops, enc and kty of an import are refused with 400; as tags they are kept",
      async () => {
        const { createEmulator } = lib.emulator;
        const emu = createEmulator();
        const { call } = await caller(emu);
        const kid = (await call("POST", "/keys/sig/create", { kty: "RSA" })).json.key.kid as string;
        const version = kid.split("/").pop();
        for (const name of PROTO_NAMES) {
          const bodies: [string, string, unknown][] = [
            ["POST", "/keys/p/create", { kty: name }],
            ["POST", "/keys/p/create", { kty: "EC", crv: name }],
            ["POST", "/keys/p/create", { kty: "RSA", key_ops: [name] }],
            ["PUT", "/keys/p", { key: { kty: name, d: "AAAA" } }],
            ["PUT", "/keys/p", { key: { kty: "EC", crv: name, d: "AQ", x: "AQ", y: "AQ" } }],
            ["POST", `/keys/sig/${version}/sign`, { alg: name, value: "A".repeat(43) }],
            ["POST", `/keys/sig/${version}/verify`, { alg: name, digest: "A".repeat(43), value: "A".repeat(86) }],
          ];
          for (const [method, path, body] of bodies) {
            const r = await call(method, path, body);
            assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${r.status} ${r.text.slice(0, 120)}`);
            assert.equal(r.json?.error?.code, "BadParameter");
          }
        }
        assert.equal((await call("GET", "/keys/p")).status, 404, "nothing was stored");
        const tags = Object.fromEntries(PROTO_NAMES.slice(0, 15).map((n) => [n, `v-${n}`]));
        const tagged = await call("POST", "/keys/tagged/create", `{"kty":"EC","tags":${JSON.stringify(tags)}}`);
        assert.equal(tagged.status, 200, tagged.text);
        assert.deepEqual(Object.entries(tagged.json.tags).sort(), Object.entries(tags).sort());
        const proto = await call("POST", "/keys/protot/create", '{"kty":"EC","tags":{"__proto__":"x"}}');
        assert.equal(proto.status, 200, proto.text);
        assert.ok(Object.getOwnPropertyDescriptor(proto.json.tags, "__proto__")?.value === "x", "__proto__ is an ordinary tag name");
        assert.equal((await call("GET", "/keys/protot")).text.includes('"__proto__":"x"'), true);
      },
    );

    t.test(
      "a create racing a delete of the same key never leaves it live and deleted; recover keeps every version",
      async () => {
        const { createEmulator } = lib.emulator;
        const emu = createEmulator();
        const { call } = await caller(emu);
        const first = (await call("POST", "/keys/race/create", { kty: "RSA", key_size: 2048 })).json.key.kid as string;
        // The 4096-bit key takes long to make; the delete arrives meanwhile.
        const create = call("POST", "/keys/race/create", { kty: "RSA", key_size: 4096 });
        await new Promise((r) => setTimeout(r, 30));
        const del = await call("DELETE", "/keys/race");
        const made = await create;
        assert.equal(del.status, 200);
        const live = (await call("GET", "/keys/race")).status === 200,
          deleted = (await call("GET", "/deletedkeys/race")).status === 200;
        assert.ok(!(live && deleted), `live ${live} and deleted ${deleted} at once (create answered ${made.status})`);
        const recovered = await call("POST", "/deletedkeys/race/recover");
        assert.equal(recovered.status, 200, recovered.text);
        const versions = (await call("GET", "/keys/race/versions")).json.value.map((i: any) => i.kid as string);
        const reported = [first, ...(made.status === 200 ? [made.json.key.kid as string] : [])];
        for (const kid of reported)
          assert.ok(versions.includes(kid), `version ${kid} was answered 200 and must survive: ${versions.join(", ")}`);
        if (made.status !== 200) assert.equal(made.json.error.code, "Conflict", "the create lost the race with the service's 409");
      },
      { timeoutMs: 60_000 },
    );

    t.test(
      "a rotate racing a delete never leaves the key live and deleted; recover drops no version",
      async () => {
        const { createEmulator } = lib.emulator;
        const emu = createEmulator();
        const { call } = await caller(emu);
        const first = (await call("POST", "/keys/rot/create", { kty: "RSA", key_size: 4096 })).json.key.kid as string;
        const rotate = call("POST", "/keys/rot/rotate");
        await new Promise((r) => setTimeout(r, 30));
        const del = await call("DELETE", "/keys/rot");
        const rotated = await rotate;
        assert.equal(del.status, 200);
        const live = (await call("GET", "/keys/rot")).status === 200,
          deleted = (await call("GET", "/deletedkeys/rot")).status === 200;
        assert.ok(!(live && deleted), `live ${live} and deleted ${deleted} at once (rotate answered ${rotated.status})`);
        assert.equal((await call("POST", "/deletedkeys/rot/recover")).status, 200);
        const versions = (await call("GET", "/keys/rot/versions")).json.value.map((i: any) => i.kid as string);
        assert.ok(versions.includes(first), "the first version survives");
        if (rotated.status === 200) assert.ok(versions.includes(rotated.json.key.kid), "a rotation answered 200 survives the recover");
        else assert.equal(rotated.json.error.code, "KeyNotFound");
      },
      { timeoutMs: 60_000 },
    );

    t.test("a body over the size limit gets 413 with the service's JSON error, on the vault and the authority", async () => {
      const { createEmulator } = lib.emulator;
      const emu = createEmulator({ maxBodyBytes: 1024 });
      const { call } = await caller(emu);
      const big = await call("POST", "/keys/big/create", { kty: "EC", tags: { a: "x".repeat(2000) } });
      assert.equal(big.status, 413);
      assert.equal(big.json?.error?.code, "RequestEntityTooLarge");
      assert.match(big.json.error.message, /1024 bytes/);
      assert.match(big.headers.get("x-ms-request-id") ?? "", /^[0-9a-f-]{36}$/);
      assert.equal((await call("GET", "/keys/big")).status, 404, "nothing was created");
      const token = await emu.fetch(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `scope=${"x".repeat(2000)}`,
      });
      assert.equal(token.status, 413);
      assert.equal(((await token.json()) as any).error, "invalid_request");
      assert.equal((await call("POST", "/keys/small/create", { kty: "EC" })).status, 200, "bodies within the limit pass");
    });

    t.test(
      "the request log is bounded: 1000 entries by default, requestLogLimit to choose, oldest dropped",
      async () => {
        const { createEmulator } = lib.emulator;
        const small = createEmulator({ requestLogLimit: 3 });
        for (let i = 0; i < 5; i++) await small.fetch(`${small.vaultUrl}/keys/k${i}?${API}`);
        assert.deepEqual(
          small.requests.map((r) => new URL(r.url).pathname),
          ["/keys/k2", "/keys/k3", "/keys/k4"],
        );
        const none = createEmulator({ requestLogLimit: 0 });
        await none.fetch(`${none.vaultUrl}/keys?${API}`);
        assert.equal(none.requests.length, 0);
        const byDefault = createEmulator();
        for (let i = 0; i < 1005; i++) await byDefault.fetch(`${byDefault.vaultUrl}/keys/n${i}?${API}`);
        assert.equal(byDefault.requests.length, 1000);
        assert.equal(new URL(byDefault.requests[0]!.url).pathname, "/keys/n5");
      },
      { timeoutMs: 60_000 },
    );
  });

  t.group("emulator trust: real clients' URLs and api-versions", () => {
    t.test("on port 443 kid, recoveryId and rotation policy id carry no :443; nextLink keeps it, as recorded", async () => {
      const { createEmulator } = lib.emulator;
      const emu = createEmulator({ vaultUrl: "https://kv443.vault.localhost:443/", authorityHost: "https://login.localhost:443" });
      assert.equal(emu.vaultUrl, "https://kv443.vault.localhost");
      assert.equal(emu.authorityHost, "https://login.localhost");
      const { call } = await caller(emu);
      const challenge = await emu.fetch(`https://kv443.vault.localhost:443/keys?${API}`);
      assert.equal(
        challenge.headers.get("www-authenticate"),
        `Bearer authorization="https://login.localhost/${emu.tenantId}", resource="https://vault.azure.net"`,
      );
      const kid = (await call("POST", "/keys/a/create", { kty: "EC" })).json.key.kid as string;
      assert.match(kid, /^https:\/\/kv443\.vault\.localhost\/keys\/a\/[0-9a-f]{32}$/);
      await call("POST", "/keys/b/create", { kty: "EC" });
      const policy = await call("GET", "/keys/a/rotationpolicy");
      assert.equal(policy.json.id, "https://kv443.vault.localhost/keys/a/rotationpolicy");
      const page = await call("GET", "/keys?maxresults=1");
      assert.match(page.json.nextLink, /^https:\/\/kv443\.vault\.localhost:443\/keys\?/);
      assert.equal(page.json.value[0].kid, "https://kv443.vault.localhost/keys/a");
      const deleted = await call("DELETE", "/keys/a");
      assert.equal(deleted.json.recoveryId, "https://kv443.vault.localhost/deletedkeys/a");
      assert.equal(deleted.json.key.kid, kid);
      const rec = lib.fixtures.recordings["list__keys-paged"];
      if (rec)
        assert.ok(
          rec.Entries.some((e) => JSON.stringify(e.ResponseBody).includes(".vault.azure.net:443/keys?")),
          "the recordings' nextLinks carry :443",
        );
    });

    t.test("every api-version the service accepts is accepted; unknown ones are 400", async () => {
      const { createEmulator, SUPPORTED_API_VERSIONS } = lib.emulator;
      for (const v of [
        "2015-06-01",
        "2016-10-01",
        "7.0",
        "7.1",
        "7.2",
        "7.3",
        "7.4",
        "7.5",
        "7.6",
        "2025-07-01",
        "7.3-preview",
        "7.4-preview.1",
        "7.5-preview.1",
        "7.6-preview.1",
        "7.6-preview.2",
        "2025-06-01-preview",
      ]) {
        assert.ok(SUPPORTED_API_VERSIONS.includes(v), `${v} is listed`);
      }
      const emu = createEmulator();
      for (const v of SUPPORTED_API_VERSIONS) {
        const { call } = await caller(emu, v);
        const r = await call("GET", "/keys");
        assert.equal(r.status, 200, `${v}: ${r.text.slice(0, 120)}`);
      }
      for (const v of ["1999-01-01", "7.7", "2016-10-01-preview", "7.6-PREVIEW.2"]) {
        const { call } = await caller(emu, v);
        const r = await call("GET", "/keys");
        assert.equal(r.status, 400, v);
        assert.equal(r.json.error.code, "BadParameter");
      }
    });

    t.test(
      "answers have the shape of the requested version: fields newer than it are left out",
      async () => {
        const { createEmulator } = lib.emulator;
        const emu = createEmulator({ recoverableDays: 30 });
        const fields = async (v: string) => {
          const { call } = await caller(emu, v);
          const name = `k-${v.replace(/\./g, "-")}`;
          const made = await call("POST", `/keys/${name}/create`, { kty: "EC" });
          assert.equal(made.status, 200, `${v}: ${made.text}`);
          const listed = (await call("GET", "/keys")).json.value.find((i: any) => i.kid.endsWith(`/${name}`));
          const deleted = await call("DELETE", `/keys/${name}`);
          return {
            attrs: Object.keys(made.json.attributes).sort(),
            item: Object.keys(listed.attributes).sort(),
            deleted: Object.keys(deleted.json).sort(),
          };
        };
        const old = await fields("2015-06-01");
        assert.deepEqual(old.attrs, ["created", "enabled", "updated"]);
        assert.deepEqual(old.item, ["created", "enabled", "updated"]);
        assert.deepEqual(old.deleted, ["attributes", "key"], "2015-06-01 knew no soft delete: DELETE answers a KeyBundle");
        const v2016 = await fields("2016-10-01");
        assert.deepEqual(v2016.attrs, ["created", "enabled", "recoveryLevel", "updated"]);
        assert.deepEqual(v2016.deleted, ["attributes", "deletedDate", "key", "recoveryId", "scheduledPurgeDate"]);
        assert.deepEqual((await fields("7.1")).attrs, ["created", "enabled", "recoverableDays", "recoveryLevel", "updated"]);
        assert.deepEqual((await fields("7.3")).attrs, ["created", "enabled", "exportable", "recoverableDays", "recoveryLevel", "updated"]);
        assert.deepEqual((await fields("7.4")).attrs, ["created", "enabled", "exportable", "recoverableDays", "recoveryLevel", "updated"]);
        assert.deepEqual((await fields("7.5")).attrs, [
          "created",
          "enabled",
          "exportable",
          "hsmPlatform",
          "recoverableDays",
          "recoveryLevel",
          "updated",
        ]);
        assert.deepEqual((await fields("2025-07-01")).attrs, [
          "created",
          "enabled",
          "exportable",
          "hsmPlatform",
          "recoverableDays",
          "recoveryLevel",
          "updated",
        ]);
        // release_policy is a 7.3 field of the bundle
        const { call } = await caller(emu, "7.2");
        const policy = { contentType: "application/json; charset=utf-8", data: btoa(JSON.stringify({ anyOf: [] })) };
        const older = await call("POST", "/keys/rp/create", { kty: "RSA", release_policy: policy });
        assert.equal(older.status, 200, older.text);
        assert.equal(older.json.release_policy, undefined);
        assert.ok((await (await caller(emu, "7.3")).call("GET", "/keys/rp")).json.release_policy, "7.3 shows it");
      },
      { timeoutMs: 60_000 },
    );
  });
};
export default suite;

// startEmulatorServer as a dev server and a test-runner fixture (issue 13): several vaults on one
// port told apart by host name, the admin endpoint (loopback only) moving the clock, the state
// file (atomic, locked, refused when foreign or damaged), the service's 413, cleanup.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { request as httpRequest } from "node:http";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulatorServer, fileStateStorage } from "@keyvault-fetch/emulator/server";

const API = "api-version=2025-07-01";

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
}

/** An HTTP request to `connect` (default 127.0.0.1) with the Host header of `url`: names need not resolve. */
function raw(
  method: string,
  url: string,
  options: { body?: string; headers?: Record<string, string>; connect?: string } = {},
): Promise<Raw> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: options.connect ?? "127.0.0.1",
        port: Number(u.port),
        path: u.pathname + u.search,
        method,
        headers: { host: u.host, ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers },
      },
      (res) => {
        let body = "";
        res
          .on("data", (c: Buffer) => {
            body += c;
          })
          .on("end", () => {
            let json: any;
            try {
              json = body ? JSON.parse(body) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode!, headers: res.headers, body, json });
          });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

async function tokenFor(
  server: { authorityHost: string; tenantId: string; clientId: string; clientSecret: string },
  resource: string,
): Promise<string> {
  const r = await raw("POST", `${server.authorityHost}/${server.tenantId}/oauth2/v2.0/token`, {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: server.clientId,
      client_secret: server.clientSecret,
      scope: `${resource}/.default`,
    }).toString(),
  });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.body}`);
  return r.json.access_token;
}

function vaultCaller(url: string, token: string) {
  return (method: string, path: string, body?: unknown) =>
    raw(method, `${url}${path}${path.includes("?") ? "&" : "?"}${API}`, {
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
}

const ours = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith("keyvault-emulator-")));

const suite: SuiteFile = (t) => {
  t.group("emulator server: a dev server", () => {
    t.test("two vaults and a Managed HSM in one server are isolated, chosen by host name; env names each", async () => {
      const server = await startEmulatorServer({
        vaults: [{ name: "srv-iso-a" }, { name: "srv-iso-b" }, { name: "srv-iso-h", managedHsm: true }],
        tls: false,
      });
      try {
        assert.deepEqual(
          server.vaults.map((v) => [v.url, v.resource, v.envName]),
          [
            [`http://srv-iso-a.vault.localhost:${server.port}`, "https://vault.localhost", "KEYVAULT_URL_SRV_ISO_A"],
            [`http://srv-iso-b.vault.localhost:${server.port}`, "https://vault.localhost", "KEYVAULT_URL_SRV_ISO_B"],
            [`http://srv-iso-h.managedhsm.localhost:${server.port}`, "https://managedhsm.localhost", "MANAGED_HSM_URL_SRV_ISO_H"],
          ],
        );
        assert.equal(server.env.KEYVAULT_URL, server.vaults[0]!.url);
        assert.equal(server.env.MANAGED_HSM_URL_SRV_ISO_H, server.vaults[2]!.url);
        const [a, b, h] = server.vaults as [(typeof server.vaults)[0], (typeof server.vaults)[0], (typeof server.vaults)[0]];
        const vaultToken = await tokenFor(server, a.resource),
          hsmToken = await tokenFor(server, h.resource);
        const ca = vaultCaller(a.url, vaultToken),
          cb = vaultCaller(b.url, vaultToken),
          ch = vaultCaller(h.url, hsmToken);
        assert.equal((await ca("POST", "/keys/one/create", { kty: "EC" })).status, 200);
        assert.equal((await cb("GET", "/keys/one")).status, 404);
        assert.equal((await ch("POST", "/keys/aes/create", { kty: "oct-HSM" })).status, 200);
        assert.deepEqual((await cb("GET", "/keys")).json.value, []);
        assert.equal((await ca("GET", "/keys")).json.value.length, 1);
        const challenge = await raw("GET", `${h.url}/keys?${API}`);
        assert.match(String(challenge.headers["www-authenticate"]), /resource="https:\/\/managedhsm\.localhost"/);
        assert.equal((await vaultCaller(h.url, vaultToken)("GET", "/keys")).status, 401, "a vault token does not open the HSM");
        server.emulator.vault("srv-iso-b").setKeyPermissions(server.clientId, ["list"]);
        assert.equal((await cb("POST", "/keys/two/create", { kty: "EC" })).status, 403);
        assert.equal((await ca("POST", "/keys/two/create", { kty: "EC" })).status, 200);
        assert.equal(
          (await raw("GET", `http://srv-iso-c.vault.localhost:${server.port}/keys?${API}`)).status,
          421,
          "a vault it does not serve",
        );
      } finally {
        await server.close();
      }
    });

    t.test("the admin endpoint moves the clock: a key expires, a rotation policy fires, tokens expire; a vault resets", async () => {
      const server = await startEmulatorServer({ name: "srv-clock", vaultHost: "srv-clock.vault.localhost", tls: false });
      try {
        const admin = server.adminUrl!;
        assert.equal(admin, `${server.authorityHost}/_emulator`);
        const token = await tokenFor(server, server.resource);
        const call = vaultCaller(server.vaultUrl, token);
        const now = Math.floor(Date.now() / 1000);
        await call("POST", "/keys/exp/create", { kty: "EC", attributes: { exp: now + 7 * 86400 } });
        await call("POST", "/keys/rot/create", { kty: "EC" });
        await call("PUT", "/keys/rot/rotationpolicy", {
          lifetimeActions: [{ trigger: { timeAfterCreate: "P30D" }, action: { type: "Rotate" } }],
          attributes: { expiryTime: "P60D" },
        });
        const digest = Buffer.alloc(32, 3).toString("base64url");
        assert.equal((await call("POST", "/keys/exp/sign", { alg: "ES256", value: digest })).status, 200);
        const clock = await raw("GET", `${admin}/clock`);
        assert.equal(clock.json.offsetMs, 0);
        const moved = await raw("POST", `${admin}/clock`, { body: JSON.stringify({ advance: "P31D" }) });
        assert.equal(moved.status, 200, moved.body);
        assert.equal(moved.json.offsetMs, 31 * 86_400_000);
        assert.deepEqual(
          moved.json.events.map((e: any) => e.kind),
          ["key-rotated"],
        );
        assert.equal((await call("GET", "/keys")).status, 401, "the old token expired by the emulator's clock");
        const fresh = vaultCaller(server.vaultUrl, await tokenFor(server, server.resource));
        assert.equal((await fresh("POST", "/keys/exp/sign", { alg: "ES256", value: digest })).json.error.innererror.code, "KeyExpired");
        assert.equal((await fresh("GET", "/keys/rot/versions")).json.value.length, 2);
        const set = await raw("POST", `${admin}/clock`, { body: JSON.stringify({ set: "2030-06-01T00:00:00Z" }) });
        assert.match(set.json.now, /^2030-06-01T00:00:0/);
        assert.equal((await raw("POST", `${admin}/clock`, { body: JSON.stringify({ reset: true }) })).json.offsetMs, 0);
        assert.equal((await raw("POST", `${admin}/clock`, { body: JSON.stringify({ advance: "soon" }) })).status, 400);
        assert.equal((await raw("POST", `${admin}/clock`, { body: "{}" })).status, 400);
        const state = await raw("GET", `${admin}/vaults/srv-clock/state`);
        assert.equal(state.json.format, "keyvault-fetch-emulator-vault");
        assert.equal((await raw("POST", `${admin}/vaults/srv-clock/reset`)).status, 204);
        const after = vaultCaller(server.vaultUrl, await tokenFor(server, server.resource));
        assert.deepEqual((await after("GET", "/keys")).json.value, []);
        assert.equal((await raw("PUT", `${admin}/vaults/srv-clock/state`, { body: state.body })).status, 204);
        assert.equal((await after("GET", "/keys")).json.value.length, 2, "imported back");
        assert.equal((await raw("POST", `${admin}/vaults/nope/reset`)).status, 404);
        // A page on another origin may not drive it.
        const page = await raw("POST", `${admin}/clock`, {
          body: JSON.stringify({ advance: "P1D" }),
          headers: { origin: "http://evil.example" },
        });
        assert.equal(page.status, 403);
        assert.match(page.json.error.message, /does not answer pages from http:\/\/evil\.example/);
        assert.equal(
          (await raw("GET", `${server.vaultUrl}/_emulator/clock`)).status,
          401,
          "only on the authority host: the vault asks for a token",
        );
      } finally {
        await server.close();
      }
    });

    t.test("the admin endpoint refuses clients that are not on loopback", async () => {
      const external = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
      const server = await startEmulatorServer({
        name: "srv-remote",
        vaultHost: "srv-remote.vault.localhost",
        host: "0.0.0.0",
        tls: false,
      });
      try {
        assert.equal((await raw("GET", `http://localhost:${server.port}/_emulator/clock`)).status, 200, "loopback is served");
        const off = await startEmulatorServer({ tls: false, admin: false, name: "srv-noadmin" });
        try {
          assert.equal((await raw("GET", `${off.authorityHost}/_emulator/clock`)).status, 404, "admin: false");
        } finally {
          await off.close();
        }
        // Without another interface on this machine there is no non-loopback client to try.
        if (!external) return;
        const r = await raw("GET", `http://localhost:${server.port}/_emulator/clock`, { connect: external });
        assert.equal(r.status, 403);
        assert.match(r.json.error.message, /loopback clients only/);
        const moved = await raw("POST", `http://localhost:${server.port}/_emulator/clock`, {
          connect: external,
          body: JSON.stringify({ advance: "P1D" }),
        });
        assert.equal(moved.status, 403);
        assert.equal(server.emulator.clock.offsetMs, 0, "the clock did not move");
      } finally {
        await server.close();
      }
    });

    t.test("a body over the limit gets the service's JSON 413 through the server, from the vault and the authority", async () => {
      const server = await startEmulatorServer({ name: "srv-413", vaultHost: "srv-413.vault.localhost", tls: false, maxBodyBytes: 2048 });
      try {
        const call = vaultCaller(server.vaultUrl, await tokenFor(server, server.resource));
        const big = await call("POST", "/keys/big/create", { kty: "EC", tags: { a: "x".repeat(4096) } });
        assert.equal(big.status, 413);
        assert.match(String(big.headers["content-type"]), /^application\/json/);
        assert.equal(big.json.error.code, "RequestEntityTooLarge");
        assert.match(String(big.headers["x-ms-request-id"]), /^[0-9a-f-]{36}$/);
        const auth = await raw("POST", `${server.authorityHost}/${server.tenantId}/oauth2/v2.0/token`, {
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "x".repeat(5000),
        });
        assert.equal(auth.status, 413);
        assert.equal(auth.json.error, "invalid_request");
        assert.equal((await call("POST", "/keys/small/create", { kty: "EC" })).status, 200);
      } finally {
        await server.close();
      }
    });

    t.test(
      "state file: survives a restart, atomic (no temporary files left), locked against a second server, plaintext warned",
      async () => {
        const dir = mkdtempSync(join(tmpdir(), "kvf-state-"));
        try {
          const file = join(dir, "kv.state");
          const one = await startEmulatorServer({ name: "srv-state", vaultHost: "srv-state.vault.localhost", tls: false, state: file });
          let kid: string;
          try {
            assert.ok(
              one.notes.some((n) => /in the clear/.test(n)),
              "a state without a key is warned about",
            );
            const call = vaultCaller(one.vaultUrl, await tokenFor(one, one.resource));
            kid = (await call("POST", "/keys/kept/create", { kty: "EC" })).json.key.kid;
            // A second emulator on the same file is refused while the first runs.
            await assert.rejects(() => startEmulatorServer({ name: "srv-state", tls: false, state: file }), {
              message: /in use by another emulator/,
            });
            assert.ok(existsSync(`${file}.lock`));
          } finally {
            await one.close();
          }
          assert.ok(!existsSync(`${file}.lock`), "close() releases the lock");
          assert.deepEqual(readdirSync(dir).sort(), ["kv.state"], "no temporary file is left");
          const two = await startEmulatorServer({ name: "srv-state", vaultHost: "srv-state.vault.localhost", tls: false, state: file });
          try {
            assert.equal(two.clientSecret, one.clientSecret, "the same identity");
            const call = vaultCaller(two.vaultUrl, await tokenFor(two, two.resource));
            assert.equal((await call("GET", "/keys/kept")).json.key.kid.split("/").pop(), kid!.split("/").pop());
          } finally {
            await two.close();
          }
          // Encrypted with a passphrase: nothing readable; a wrong one is refused and the file stays as it was.
          const sealed = join(dir, "sealed.state");
          const three = await startEmulatorServer({
            name: "srv-state",
            tls: false,
            state: { file: sealed, key: "passphrase of the test" },
          });
          await three.close();
          assert.equal(
            three.notes.some((n) => /in the clear/.test(n)),
            false,
          );
          const bytes = readFileSync(sealed);
          assert.ok(!bytes.toString().includes(three.clientSecret));
          await assert.rejects(() => startEmulatorServer({ name: "srv-state", tls: false, state: { file: sealed, key: "another" } }), {
            code: "ERR_STATE_KEY",
          });
          assert.ok(readFileSync(sealed).equals(bytes), "untouched");
          // A foreign file is refused and never overwritten.
          const foreign = join(dir, "notes.txt");
          writeFileSync(foreign, "my own notes\n");
          await assert.rejects(() => startEmulatorServer({ tls: false, state: foreign }), { code: "ERR_STATE_FOREIGN" });
          assert.equal(readFileSync(foreign, "utf8"), "my own notes\n");
          assert.ok(!existsSync(`${foreign}.lock`), "a refused start releases the lock");
          // fileStateStorage on its own: read of a missing file, atomic write.
          const storage = fileStateStorage(join(dir, "direct.state"));
          assert.equal(await storage.read(), undefined);
          await storage.write("one");
          await storage.write("two");
          assert.equal(readFileSync(join(dir, "direct.state"), "utf8"), "two");
          storage.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );

    t.test("for test runners: a free port by default, URLs back, close() leaves nothing behind", async () => {
      const before = ours();
      const a = await startEmulatorServer({ name: "srv-free-a" });
      const b = await startEmulatorServer({ name: "srv-free-b" });
      try {
        assert.notEqual(a.port, b.port);
        assert.ok(a.port > 0 && a.url.endsWith(`:${a.port}`));
        assert.match(a.certificate ?? "", /^-----BEGIN CERTIFICATE-----/);
      } finally {
        await a.close();
        await b.close();
      }
      assert.deepEqual(
        [...ours()].filter((n) => !before.has(n)),
        [],
        "no keyvault-emulator-* folder is made",
      );
      const error = await fetch(`${a.url}/`).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof TypeError, "closed");
    });
  });
};
export default suite;

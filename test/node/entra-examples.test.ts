// The examples, run for real: the Cloudflare Worker (bundled by esbuild with only keyvault-fetch,
// no nodejs_compat) in miniflare with its outbound fetch routed to the in-process emulator, and
// the Deno envelope script under `deno` against the emulator server over HTTPS.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import * as jose from "jose";
import { Miniflare } from "miniflare";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { KeyVaultClient, request } from "keyvault-fetch";
import { createEmulator } from "@keyvault-fetch/emulator";
import { decryptJwe, encryptJwe } from "keyvault-fetch/jose";
import { startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { repoRoot } from "./child.js";
import { bundleWorker, emulatorBindings, toEmulator } from "../workers.mjs";
import { denoEnv, denoExecutable } from "../processes.mjs";

function runDeno(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      denoExecutable(),
      args,
      {
        cwd: repoRoot(),
        timeout: 60_000,
        env: denoEnv(env),
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(`deno failed: ${error.message}\n${stderr}\n${stdout}`)) : resolve({ stdout, stderr }),
    );
  });
}

const suite: SuiteFile = (t) => {
  t.group("examples", () => {
    t.test(
      "Cloudflare Worker (miniflare, no nodejs_compat): token from the authority, JWT signed in the vault, jose verifies",
      async () => {
        const root = repoRoot();
        const script = await bundleWorker(root, { file: join(root, "examples/worker/worker.ts") }, { minify: true });
        const emu = createEmulator({ name: `worker${Date.now().toString(36)}` });
        const admin = new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
        const key = (await request<{ key: { kid: string } }>(admin, "POST", "/keys/jwt-signer/create", { kty: "EC", crv: "P-256" })).key;
        const tokensBefore = emu.requests.filter((r) => r.target === "authority").length;

        const mf = new Miniflare({
          modules: true,
          script,
          compatibilityDate: "2025-09-01",
          bindings: {
            ...emulatorBindings(emu),
            SIGNING_KEY: "jwt-signer",
            ISSUER: "https://issuer.example",
          },
          // Every fetch the Worker makes (authority and vault) goes to the in-process emulator.
          outboundService: toEmulator(emu),
        });
        try {
          const issue = async (sub: string) => {
            const res = await mf.dispatchFetch("https://issuer.example/token", {
              method: "POST",
              body: JSON.stringify({ sub }),
              headers: { "content-type": "application/json" },
            });
            const text = await res.text();
            assert.equal(res.status, 200, text);
            return JSON.parse(text) as { token: string; expires_in: number };
          };
          const first = await issue("alice");
          const second = await issue("bob");
          const jwksRes = await mf.dispatchFetch("https://issuer.example/.well-known/jwks.json");
          assert.equal(jwksRes.status, 200);
          assert.match(jwksRes.headers.get("cache-control") ?? "", /max-age=300/);
          const jwks = (await jwksRes.json()) as jose.JSONWebKeySet;
          assert.deepEqual(
            jwks.keys.map((k) => k.kid),
            [key.kid],
          );
          const keySet = jose.createLocalJWKSet(jwks);
          for (const [issued, sub] of [
            [first, "alice"],
            [second, "bob"],
          ] as const) {
            const { payload, protectedHeader } = await jose.jwtVerify(issued.token, keySet, {
              issuer: "https://issuer.example",
              audience: "https://issuer.example",
            });
            assert.equal(payload.sub, sub);
            assert.equal(protectedHeader.kid, key.kid);
            assert.equal(payload.exp! - payload.iat!, 300);
          }
          const tamperedPayload = Buffer.from(JSON.stringify({ ...jose.decodeJwt(first.token), sub: "mallory" })).toString("base64url");
          const [h, , s] = first.token.split(".");
          await assert.rejects(() => jose.jwtVerify(`${h}.${tamperedPayload}.${s}`, keySet));
          // The module-scope provider asked the authority once for all three requests.
          const tokenPosts = emu.requests.slice(0).filter((r) => r.target === "authority").length - tokensBefore;
          assert.equal(tokenPosts, 1, "one token per lifetime");
          const bad = await mf.dispatchFetch("https://issuer.example/token", { method: "POST", body: "{}" });
          assert.equal(bad.status, 400);
        } finally {
          await mf.dispose();
        }
      },
      { timeoutMs: 60_000 },
    );

    t.test(
      "Deno envelope script: encrypts a file to a vault key, decrypts with one unwrapKey",
      async () => {
        const root = repoRoot();
        const server = await startEmulatorServer({ name: "deno-envelope" });
        const dir = mkdtempSync(join(tmpdir(), "kvf-deno-"));
        try {
          const admin = new KeyVaultClient(server.vaultUrl, { getToken: server.emulator.getToken, fetch: server.emulator.fetch });
          await request(admin, "POST", "/keys/envelope/create", { kty: "RSA", key_size: 2048 });
          const original = new Uint8Array(200_000);
          for (let i = 0; i < original.length; i += 65536) crypto.getRandomValues(original.subarray(i, i + 65536));
          writeFileSync(join(dir, "plain.bin"), original);
          writeFileSync(join(dir, "ca.pem"), server.certificate!);
          // The example's deno.json maps the npm package; here the map points at the built dist.
          const dist = (sub: string) => pathToFileURL(join(root, "dist", `${sub}.js`)).href;
          writeFileSync(
            join(dir, "import-map.json"),
            JSON.stringify({
              imports: { "keyvault-fetch": dist("index"), "keyvault-fetch/entra": dist("entra"), "keyvault-fetch/jose": dist("jose") },
            }),
          );
          const env = { ...server.env, ENVELOPE_KEY: "envelope" };
          const deno = (mode: string, input: string, output: string) =>
            runDeno(
              [
                "run",
                "--no-prompt",
                "--no-lock",
                "--no-config",
                `--import-map=${join(dir, "import-map.json")}`,
                `--cert=${join(dir, "ca.pem")}`,
                "--allow-net",
                "--allow-env",
                `--allow-read=${dir}`,
                `--allow-write=${dir}`,
                join(root, "examples/deno/envelope.ts"),
                mode,
                join(dir, input),
                join(dir, output),
              ],
              env,
            );

          const enc = await deno("encrypt", "plain.bin", "plain.bin.jwe");
          assert.match(enc.stdout, /encrypted 200000 bytes/);
          const jwe = readFileSync(join(dir, "plain.bin.jwe"), "utf8");
          const header = jose.decodeProtectedHeader(jwe);
          assert.equal(header.alg, "RSA-OAEP-256");
          assert.equal(header.enc, "A256GCM");
          assert.match(String(header.kid), /\/keys\/envelope\/[0-9a-f]{32}$/);
          // Our library in Node opens what Deno sealed.
          const opened = await decryptJwe(admin, jwe);
          assert.deepEqual(opened.plaintext, original);

          const before = server.emulator.requests.length;
          const dec = await deno("decrypt", "plain.bin.jwe", "roundtrip.bin");
          assert.match(dec.stdout, /decrypted 200000 bytes/);
          assert.deepEqual(new Uint8Array(readFileSync(join(dir, "roundtrip.bin"))), original);
          const vaultCalls = server.emulator.requests.slice(before).filter((r) => r.target === "vault" && r.authorization);
          assert.deepEqual(
            vaultCalls.map((r) => new URL(r.url).pathname.split("/").pop()),
            ["unwrapkey"],
            "one unwrapKey",
          );

          // And what Node sealed, Deno opens.
          writeFileSync(join(dir, "node.jwe"), await encryptJwe(admin, "envelope", "sealed in node"));
          await deno("decrypt", "node.jwe", "node.txt");
          assert.equal(readFileSync(join(dir, "node.txt"), "utf8"), "sealed in node");
        } finally {
          rmSync(dir, { recursive: true, force: true });
          await server.close();
        }
      },
      { timeoutMs: 90_000 },
    );
  });
};
export default suite;

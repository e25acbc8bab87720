// The packed tarballs (the library, the emulator), installed into empty projects with nothing else:
// each holds what its build publishes and stays within its size budget, the library's carries no
// emulator, @noble code or bin, nothing comes with either, and the emulator works installed alone:
// `npx keyvault-emulator` answers curl (a token, an EC key that signs, a Managed HSM AES key that
// encrypts and wraps), and its server's CJS build runs (its @noble code is bundled); beside the
// library, the in-process emulator serves the client.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./child.js";
import {
  consumerProject,
  emulatorProject,
  emulatorRoot,
  installedPackages,
  liveDistFiles,
  packedTarball,
  startInstalledCli,
} from "./tarball.js";

const run = promisify(execFile);

interface Budget {
  packed: number;
  unpacked: number;
}

/** curl against the CLI: its certificate trusted, its host names pinned to loopback; status and JSON body. */
async function curl(
  env: Record<string, string>,
  url: string,
  args: string[] = [],
): Promise<{ status: number; body: any; headers: string }> {
  const { hostname, port } = new URL(url);
  const pins = [new URL(env.KEYVAULT_URL!), new URL(env.AZURE_AUTHORITY_HOST!)]
    .filter((u) => !/^[\d.]+$/.test(u.hostname))
    .flatMap((u) => ["--resolve", `${u.hostname}:${u.port}:127.0.0.1`]);
  const { stdout } = await run("curl", ["-sS", "-D", "-", "--cacert", env.NODE_EXTRA_CA_CERTS!, ...pins, ...args, url], {
    timeout: 15_000,
  });
  const split = stdout.indexOf("\r\n\r\n");
  const headers = stdout.slice(0, split);
  const text = stdout.slice(split + 4);
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1]);
  assert.ok(status, `curl ${hostname}:${port} answered: ${stdout.slice(0, 300)}`);
  // (Managed HSM answers its 401 with a plain `OK`, as the service does.)
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status, headers, body };
}

/** What a client does first: the 401 challenge names the resource; the token is asked for `<resource>/.default`. */
async function curlToken(env: Record<string, string>): Promise<string> {
  const challenge = await curl(env, `${env.KEYVAULT_URL}/keys?api-version=2025-07-01`);
  assert.equal(challenge.status, 401);
  const resource = /resource="([^"]+)"/.exec(challenge.headers)?.[1];
  assert.ok(resource, `a resource in ${challenge.headers}`);
  const token = await curl(env, `${env.AZURE_AUTHORITY_HOST}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`, [
    "--data-urlencode",
    "grant_type=client_credentials",
    "--data-urlencode",
    `client_id=${env.AZURE_CLIENT_ID}`,
    "--data-urlencode",
    `client_secret=${env.AZURE_CLIENT_SECRET}`,
    "--data-urlencode",
    `scope=${resource}/.default`,
  ]);
  assert.equal(token.status, 200, JSON.stringify(token.body));
  assert.equal(token.body.token_type, "Bearer");
  return token.body.access_token;
}

const json = (token: string, body: unknown) => [
  "-H",
  `authorization: Bearer ${token}`,
  "-H",
  "content-type: application/json",
  "--data",
  JSON.stringify(body),
];
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

const suite: SuiteFile = (t) => {
  t.group("tarball", () => {
    const root = repoRoot();
    const packages = [
      { name: "keyvault-fetch", dir: root, extra: [] as string[], figures: "docs/performance.md" },
      { name: "@keyvault-fetch/emulator", dir: emulatorRoot(), extra: ["THIRD-PARTY-NOTICES.md"], figures: "emulator/README.md" },
    ];
    for (const { name, dir, extra, figures } of packages) {
      t.group(name, () => {
        t.test(
          "holds exactly what a clean build publishes: the files the exports and bin reach, README, LICENSE (and notices)",
          async () => {
            const { files } = await packedTarball(dir);
            const expected = ["LICENSE", "README.md", ...extra, "package.json", ...liveDistFiles(dir).map((f) => `dist/${f}`)].sort();
            assert.deepEqual([...files].sort(), expected);
          },
          { timeoutMs: 60_000 },
        );

        t.test(
          "stays within its size budget (bench/tarball-budget.json)",
          async () => {
            const budgets = JSON.parse(readFileSync(join(root, "bench/tarball-budget.json"), "utf8")) as {
              tarballs: Record<string, Budget>;
            };
            const budget = budgets.tarballs[name]!;
            const { bytes, unpackedBytes } = await packedTarball(dir);
            const over = [
              ...(bytes > budget.packed ? [`packed ${bytes} B, over its budget of ${budget.packed} B`] : []),
              ...(unpackedBytes > budget.unpacked ? [`unpacked ${unpackedBytes} B, over its budget of ${budget.unpacked} B`] : []),
            ];
            if (over.length)
              throw new Error(
                `the tarball is ${over.join("; ")}. If the growth is deliberate, raise bench/tarball-budget.json and the figure in ${figures} in the same commit.`,
              );
          },
          { timeoutMs: 60_000 },
        );

        t.test(
          `${figures} states the tarball's size (within 10 %)`,
          async () => {
            const { bytes, unpackedBytes } = await packedTarball(dir);
            const readme = readFileSync(join(root, figures), "utf8");
            const stated = /\*\*(\d+) KB packed, ([\d.]+) (MB|KB) unpacked\*\*/.exec(readme);
            assert.ok(stated, `${figures} has **<n> KB packed, <n> MB (or KB) unpacked**`);
            const near = (said: number, actual: number) => Math.abs(said - actual) / actual <= 0.1;
            const unpackedSaid = Number(stated[2]) * (stated[3] === "MB" ? 1e6 : 1e3);
            assert.ok(
              near(Number(stated[1]) * 1000, bytes) && near(unpackedSaid, unpackedBytes),
              `${figures} says ${stated[0]}; the tarball is ${(bytes / 1000).toFixed(0)} KB packed, ${(unpackedBytes / 1e6).toFixed(2)} MB unpacked`,
            );
          },
          { timeoutMs: 60_000 },
        );
      });
    }

    t.test(
      "keyvault-fetch's tarball carries no emulator code, no @noble code and no bin",
      async () => {
        const dir = await consumerProject();
        const installed = join(dir, "node_modules/keyvault-fetch");
        assert.equal(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).bin, undefined, "bin");
        const { files } = await packedTarball();
        const code = files.filter((f) => /^dist\/.*\.c?js$/.test(f));
        assert.ok(code.length > 0, "code files");
        for (const f of code) {
          const text = readFileSync(join(installed, f), "utf8");
          // noble's licence headers and module names; the emulator's markers (its build version header, its state formats)
          assert.ok(!/noble|keyvault-fetch-emulator/i.test(text), `${f} carries @noble or emulator code`);
        }
        assert.ok(!files.some((f) => /emulator/.test(f)), `no emulator file: ${files.filter((f) => /emulator/.test(f)).join(", ")}`);
      },
      { timeoutMs: 90_000 },
    );

    t.test(
      "install offline into empty projects, and nothing comes with them (the library with the emulator, the emulator alone)",
      async () => {
        assert.deepEqual(installedPackages(await consumerProject()), ["@keyvault-fetch/emulator", "keyvault-fetch"]);
        assert.deepEqual(installedPackages(await emulatorProject()), ["@keyvault-fetch/emulator"]);
      },
      { timeoutMs: 90_000 },
    );

    t.test(
      "@keyvault-fetch/emulator installed alone: npx keyvault-emulator: curl gets a token and creates an EC key that signs (the signature verifies with Web Crypto)",
      async () => {
        const cli = await startInstalledCli(await emulatorProject(), ["--port", "0", "--name", "tarball"]);
        try {
          const token = await curlToken(cli.env);
          const created = await curl(
            cli.env,
            `${cli.env.KEYVAULT_URL}/keys/signer/create?api-version=2025-07-01`,
            json(token, { kty: "EC", crv: "P-256" }),
          );
          assert.equal(created.status, 200, JSON.stringify(created.body));
          const { kid, x, y } = created.body.key;
          const message = new TextEncoder().encode("signed by the emulator from the tarball");
          const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", message));
          const signed = await curl(cli.env, `${kid}/sign?api-version=2025-07-01`, json(token, { alg: "ES256", value: b64u(digest) }));
          assert.equal(signed.status, 200, JSON.stringify(signed.body));
          const publicKey = await crypto.subtle.importKey(
            "jwk",
            { kty: "EC", crv: "P-256", x, y },
            { name: "ECDSA", namedCurve: "P-256" },
            false,
            ["verify"],
          );
          assert.ok(
            await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, Buffer.from(signed.body.value, "base64url"), message),
            "valid signature",
          );
        } finally {
          await cli.stop();
        }
      },
      { timeoutMs: 90_000 },
    );

    t.test(
      "@keyvault-fetch/emulator installed alone: npx keyvault-emulator --managed-hsm: curl creates an AES key that encrypts, decrypts and wraps (A256GCM, A256KW)",
      async () => {
        const cli = await startInstalledCli(await emulatorProject(), ["--port", "0", "--name", "tarball-hsm", "--managed-hsm"]);
        try {
          const token = await curlToken(cli.env);
          const created = await curl(
            cli.env,
            `${cli.env.KEYVAULT_URL}/keys/aes/create?api-version=2025-07-01`,
            json(token, { kty: "oct-HSM", key_size: 256 }),
          );
          assert.equal(created.status, 200, JSON.stringify(created.body));
          const kid = created.body.key.kid;
          const plaintext = b64u(new TextEncoder().encode("sealed in the emulated HSM"));
          const enc = await curl(cli.env, `${kid}/encrypt?api-version=2025-07-01`, json(token, { alg: "A256GCM", value: plaintext }));
          assert.equal(enc.status, 200, JSON.stringify(enc.body));
          const { value, iv, tag } = enc.body;
          const dec = await curl(cli.env, `${kid}/decrypt?api-version=2025-07-01`, json(token, { alg: "A256GCM", value, iv, tag }));
          assert.equal(dec.status, 200, JSON.stringify(dec.body));
          assert.equal(dec.body.value, plaintext);
          const dataKey = b64u(crypto.getRandomValues(new Uint8Array(32)));
          const wrapped = await curl(cli.env, `${kid}/wrapkey?api-version=2025-07-01`, json(token, { alg: "A256KW", value: dataKey }));
          assert.equal(wrapped.status, 200, JSON.stringify(wrapped.body));
          const unwrapped = await curl(
            cli.env,
            `${kid}/unwrapkey?api-version=2025-07-01`,
            json(token, { alg: "A256KW", value: wrapped.body.value }),
          );
          assert.equal(unwrapped.body.value, dataKey);
        } finally {
          await cli.stop();
        }
      },
      { timeoutMs: 90_000 },
    );

    t.test(
      "the in-process emulator from its tarball serves the library's client: signs with P-256K, wraps with AES key wrap (no @noble installed)",
      async () => {
        const dir = await consumerProject();
        writeFileSync(
          join(dir, "emulator-alone.mjs"),
          `
        import { KeyVaultClient } from "keyvault-fetch";
        import { createEcKey, createOctKey, sign, wrapKey, unwrapKey } from "keyvault-fetch/keys";
        import { createEmulator } from "@keyvault-fetch/emulator";
        const vault = createEmulator({ name: "alone" });
        const v = new KeyVaultClient(vault.vaultUrl, { getToken: vault.getToken, fetch: vault.fetch });
        const k = await createEcKey(v, "k1", { curve: "P-256K" });
        const s = await sign(v, k.id, "ES256K", new Uint8Array(32).fill(7));
        const hsm = createEmulator({ name: "alone", managedHsm: true });
        const h = new KeyVaultClient(hsm.vaultUrl, { getToken: hsm.getToken, fetch: hsm.fetch });
        const aes = await createOctKey(h, "aes", { keySize: 256 });
        const w = await wrapKey(h, aes.id, "A256KW", new Uint8Array(24).fill(1));
        const u = await unwrapKey(h, aes.id, "A256KW", w.result);
        console.log(s.result.length, u.result.length);
      `,
        );
        const { stdout } = await run(process.execPath, ["emulator-alone.mjs"], { cwd: dir, timeout: 30_000 });
        assert.equal(stdout.trim(), "64 24");
      },
      { timeoutMs: 90_000 },
    );

    t.test(
      "@keyvault-fetch/emulator installed alone: require('@keyvault-fetch/emulator/server') works without require(esm) (Node before 20.19)",
      async () => {
        const dir = await emulatorProject();
        writeFileSync(
          join(dir, "server.cjs"),
          `
        const { startEmulatorServer } = require("@keyvault-fetch/emulator/server");
        const { Faults } = require("@keyvault-fetch/emulator");
        startEmulatorServer({ port: 0, tls: false }).then(async (server) => {
          const answer = await fetch(server.env.AZURE_AUTHORITY_HOST + "/" + server.env.AZURE_TENANT_ID + "/v2.0/.well-known/openid-configuration");
          console.log(answer.status, server.emulator.faults instanceof Faults);
          await server.close();
        });
      `,
        );
        const { stdout } = await run(process.execPath, ["--no-experimental-require-module", "server.cjs"], { cwd: dir, timeout: 30_000 });
        assert.equal(stdout.trim(), "200 true");
      },
      { timeoutMs: 90_000 },
    );
  });
};
export default suite;

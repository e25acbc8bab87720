// The Deno proxy example as a Deno user runs it: its own deno.json (npm: specifiers, resolved from
// a node_modules folder holding this package, so no registry is needed), `deno run` with only
// --allow-net and --allow-env, against `keyvault-emulator --http`, with a client going through it.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyVaultClient } from "keyvault-fetch";
import { createEcKey } from "keyvault-fetch/keys";
import { fromClientSecret } from "keyvault-fetch/entra";
import { repoRoot } from "./child.js";
import { startCli } from "./worker-starter.test.js";
import { denoEnv, denoExecutable, stopProcess } from "../processes.mjs";

const suite: SuiteFile = (t) => {
  t.group("Deno example", () => {
    t.test(
      "proxy.ts with its deno.json (npm: imports): the allowed origin reaches the emulator's vault through it, others get 403",
      async () => {
        const root = repoRoot();
        const dir = mkdtempSync(join(tmpdir(), "kvf-deno-proxy-"));
        const { env, child: emulator } = await startCli();
        let deno: ReturnType<typeof spawn> | undefined;
        try {
          // A Deno project that installed keyvault-fetch (as `npm install` would leave it, linked here).
          mkdirSync(join(dir, "node_modules"));
          symlinkSync(root, join(dir, "node_modules/keyvault-fetch"), "dir");
          writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, dependencies: { "keyvault-fetch": "*" } }));
          const config = JSON.parse(readFileSync(join(root, "examples/deno/deno.json"), "utf8"));
          writeFileSync(join(dir, "deno.json"), JSON.stringify({ ...config, nodeModulesDir: "manual" }));
          copyFileSync(join(root, "examples/deno/proxy.ts"), join(dir, "proxy.ts"));
          const page = "http://app.localhost:3000";
          deno = spawn(denoExecutable(), ["run", "--no-prompt", "--no-lock", "--allow-net", "--allow-env", "proxy.ts"], {
            cwd: dir,
            stdio: ["ignore", "pipe", "pipe"],
            env: denoEnv({
              KEYVAULT_URL: env.KEYVAULT_URL!,
              ALLOWED_ORIGINS: page,
              ALLOW_INSECURE_LOOPBACK: "true",
              PORT: "0",
              HOSTNAME: "127.0.0.1",
            }),
          });
          const url = await new Promise<string>((resolve, reject) => {
            let out = "",
              err = "";
            const timer = setTimeout(() => reject(new Error(`deno did not start: ${err}${out}`)), 60_000);
            deno!.stderr!.on("data", (d) => {
              err += d;
            });
            deno!.stdout!.on("data", (d) => {
              out += d;
              const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
              if (m) {
                clearTimeout(timer);
                resolve(m[1]!);
              }
            });
            deno!.on("exit", (code) => {
              clearTimeout(timer);
              reject(new Error(`deno exited with ${code}: ${err}${out}`));
            });
          });
          const preflight = await fetch(`${url}/keys/k/create`, {
            method: "OPTIONS",
            headers: { origin: page, "access-control-request-method": "POST" },
          });
          assert.equal(preflight.status, 204);
          assert.equal(preflight.headers.get("access-control-allow-origin"), page);
          const evil = await fetch(`${url}/keys`, { headers: { origin: "https://evil.example" } });
          assert.equal(evil.status, 403);
          await evil.arrayBuffer();
          const client = new KeyVaultClient(url, {
            allowInsecureLoopback: true,
            headers: { origin: page },
            getToken: fromClientSecret({
              tenantId: env.AZURE_TENANT_ID!,
              clientId: env.AZURE_CLIENT_ID!,
              clientSecret: env.AZURE_CLIENT_SECRET!,
              authorityHost: env.AZURE_AUTHORITY_HOST!,
              allowInsecureLoopback: true,
            }),
          });
          const key = await createEcKey(client, "via-deno", { curve: "P-256" });
          assert.ok(key.id.startsWith(`${env.KEYVAULT_URL}/keys/via-deno/`), key.id);
        } finally {
          if (deno) await stopProcess(deno);
          await stopProcess(emulator);
          rmSync(dir, { recursive: true, force: true });
        }
      },
      { timeoutMs: 90_000 },
    );
  });
};
export default suite;

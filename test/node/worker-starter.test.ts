// The Workers starter as a user runs it: each Worker is built and configured from its own
// wrangler.jsonc (main, compatibility date and flags, vars) and .dev.vars.example, and runs in
// miniflare against `keyvault-emulator --http` over real loopback HTTP: the `wrangler dev` recipe
// of the README, with miniflare standing in for wrangler.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import * as jose from "jose";
import { Miniflare } from "miniflare";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { KeyVaultClient, request } from "keyvault-fetch";
import { fromClientSecret } from "keyvault-fetch/entra";
import { repoRoot } from "./child.js";
import { stopProcess } from "../processes.mjs";
import { bundleWorker } from "../workers.mjs";

/** JSON with comments and trailing commas, as wrangler reads it. */
export function parseJsonc(text: string): any {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = /"(?:[^"\\]|\\.)*"/y;
      end.lastIndex = i;
      const m = end.exec(text);
      if (!m) throw new Error("unterminated string in JSONC");
      out += m[0];
      i += m[0].length - 1;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 1;
      if (i <= 0) throw new Error("unterminated comment in JSONC");
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

/** KEY=value lines, # comments. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith("#")) vars[m[1]!] = m[2]!;
  }
  return vars;
}

interface Starter {
  config: any;
  devVars: Record<string, string>;
  script: string;
}

/** Reads a Worker's wrangler.jsonc and .dev.vars.example and bundles its `main` as wrangler would (unminified; no node: imports). */
async function loadStarter(configPath: string): Promise<Starter> {
  const root = repoRoot();
  const config = parseJsonc(readFileSync(configPath, "utf8"));
  const devVars = parseDevVars(readFileSync(join(dirname(configPath), ".dev.vars.example"), "utf8"));
  const script = await bundleWorker(root, { file: join(dirname(configPath), config.main) });
  return { config, devVars, script };
}

function miniflareFor(starter: Starter, bindings: Record<string, string>): Miniflare {
  const flags: string[] = starter.config.compatibility_flags ?? [];
  assert.ok(!flags.some((f) => /nodejs_compat/.test(f)), "no nodejs_compat");
  return new Miniflare({
    name: starter.config.name,
    modules: true,
    script: starter.script,
    compatibilityDate: starter.config.compatibility_date,
    compatibilityFlags: flags,
    bindings: { ...starter.config.vars, ...bindings },
  });
}

/** `keyvault-emulator --http --port 0 --vault-host 127.0.0.1`, as the README's recipe starts it; resolves its printed environment. */
export function startCli(): Promise<{ env: Record<string, string>; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(repoRoot(), "emulator/dist/cli.js"), "--http", "--port", "0", "--vault-host", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "",
      err = "";
    let late = false;
    // Too slow: stop it; the exit below then rejects, once it has exited.
    const timer = setTimeout(() => {
      late = true;
      void stopProcess(child);
    }, 20_000);
    child.stderr!.on("data", (d) => {
      err += d;
    });
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("AZURE_AUTHORITY_HOST=")) {
        clearTimeout(timer);
        resolve({ env: parseDevVars(out), child });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(late ? `emulator did not start within 20 s: ${err}` : `emulator exited with ${code}: ${err}`));
    });
  });
}

/** The example's values with the documented port swapped for the one the test's emulator got. */
function devValues(example: Record<string, string>, emulatorEnv: Record<string, string>): Record<string, string> {
  const port = new URL(emulatorEnv.KEYVAULT_URL!).port;
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(example)) {
    if (/^<.*>$/.test(value)) {
      assert.ok(emulatorEnv[name], `${name} is printed by the emulator`);
      values[name] = emulatorEnv[name]!;
    } else {
      values[name] = value.replace(":8443", `:${port}`);
      if (emulatorEnv[name] !== undefined)
        assert.equal(values[name], emulatorEnv[name], `${name} in .dev.vars.example matches what the emulator prints`);
    }
  }
  return values;
}

const suite: SuiteFile = (t) => {
  t.group("Workers starter (miniflare, from wrangler.jsonc)", () => {
    t.test(
      "the JWT issuer from its own config against keyvault-emulator --http: tokens verify against its JWKS",
      async () => {
        const { env, child } = await startCli();
        let mf: Miniflare | undefined;
        try {
          const admin = new KeyVaultClient(env.KEYVAULT_URL!, {
            allowInsecureLoopback: true,
            getToken: fromClientSecret({
              tenantId: env.AZURE_TENANT_ID!,
              clientId: env.AZURE_CLIENT_ID!,
              clientSecret: env.AZURE_CLIENT_SECRET!,
              authorityHost: env.AZURE_AUTHORITY_HOST!,
              allowInsecureLoopback: true,
            }),
          });
          const starter = await loadStarter(join(repoRoot(), "examples/worker/wrangler.jsonc"));
          const signingKey = starter.config.vars.SIGNING_KEY as string;
          const created = await request<{ key: { kid: string } }>(admin, "POST", `/keys/${signingKey}/create`, { kty: "EC", crv: "P-256" });
          mf = miniflareFor(starter, devValues(starter.devVars, env));
          const issuer = starter.config.vars.ISSUER as string;
          const res = await mf.dispatchFetch("http://localhost/token", {
            method: "POST",
            body: JSON.stringify({ sub: "alice" }),
            headers: { "content-type": "application/json" },
          });
          const text = await res.text();
          assert.equal(res.status, 200, text);
          const { token } = JSON.parse(text) as { token: string };
          const jwks = (await (await mf.dispatchFetch("http://localhost/.well-known/jwks.json")).json()) as jose.JSONWebKeySet;
          const { payload, protectedHeader } = await jose.jwtVerify(token, jose.createLocalJWKSet(jwks), { issuer, audience: issuer });
          assert.equal(payload.sub, "alice");
          assert.equal(protectedHeader.kid, created.key.kid);
          // Without the opt-in, plain http is refused before anything is sent.
          await mf.setOptions({
            name: starter.config.name,
            modules: true,
            script: starter.script,
            compatibilityDate: starter.config.compatibility_date,
            bindings: { ...starter.config.vars, ...devValues(starter.devVars, env), ALLOW_INSECURE_LOOPBACK: "false" },
          });
          const refused = await mf.dispatchFetch("http://localhost/token", { method: "POST", body: JSON.stringify({ sub: "bob" }) });
          assert.equal(refused.status, 502);
          assert.equal(((await refused.json()) as { code: string }).code, "ERR_INSECURE_URL");
        } finally {
          await mf?.dispose();
          await stopProcess(child);
        }
      },
      { timeoutMs: 90_000 },
    );

    t.test(
      "the CORS proxy Worker from its own config: the allowed page origin reaches the emulator's vault, others are refused",
      async () => {
        const { env, child } = await startCli();
        let mf: Miniflare | undefined;
        try {
          const starter = await loadStarter(join(repoRoot(), "examples/worker/proxy/wrangler.jsonc"));
          const bindings = devValues(starter.devVars, env);
          mf = miniflareFor(starter, bindings);
          const page = bindings.ALLOWED_ORIGINS!.split(",")[0]!;
          const preflight = await mf.dispatchFetch("http://localhost/keys/k/create", {
            method: "OPTIONS",
            headers: {
              origin: page,
              "access-control-request-method": "POST",
              "access-control-request-headers": "authorization, content-type",
            },
          });
          assert.equal(preflight.status, 204);
          assert.equal(preflight.headers.get("access-control-allow-origin"), page);
          const evil = await mf.dispatchFetch("http://localhost/keys", { headers: { origin: "https://evil.example" } });
          assert.equal(evil.status, 403);
          assert.equal(evil.headers.get("access-control-allow-origin"), null);
          await evil.arrayBuffer();
          const worker = mf;
          const client = new KeyVaultClient("https://kv-proxy.example.workers.dev", {
            headers: { origin: page },
            vaultOrigin: env.KEYVAULT_URL!,
            allowInsecureLoopback: true, // the emulator behind the Worker is plain http
            getToken: fromClientSecret({
              tenantId: env.AZURE_TENANT_ID!,
              clientId: env.AZURE_CLIENT_ID!,
              clientSecret: env.AZURE_CLIENT_SECRET!,
              authorityHost: env.AZURE_AUTHORITY_HOST!,
              allowInsecureLoopback: true,
            }),
            fetch: async (input, init) => {
              const res = await worker.dispatchFetch(String(input), init as any);
              assert.equal(res.headers.get("access-control-allow-origin"), page);
              return new Response(await res.arrayBuffer(), {
                status: res.status,
                headers: new Headers([...res.headers] as [string, string][]),
              });
            },
          });
          const created = await request<{ key: { kid: string; crv: string } }>(client, "POST", "/keys/via-worker/create", {
            kty: "EC",
            crv: "P-256",
          });
          assert.equal(created.key.crv, "P-256");
          assert.ok(
            created.key.kid.startsWith(env.KEYVAULT_URL! + "/keys/via-worker/"),
            "the vault's own id, from the emulator behind the Worker",
          );
        } finally {
          await mf?.dispose();
          await stopProcess(child);
        }
      },
      { timeoutMs: 90_000 },
    );
  });
};
export default suite;

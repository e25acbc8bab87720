// The keyvault-emulator bin (dist/emulator-cli.js): it starts, prints the environment lines,
// serves a vault that a client configured only from those lines can use, and stops cleanly.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createSelfSignedCertificate } from "keyvault-fetch/emulator/server";
import { repoRoot, runNode, runNodeScript } from "./child.js";
import { runMarker, stopProcess } from "../processes.mjs";

const REQUIRED = ["KEYVAULT_URL", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST"];

interface Cli {
  env: Record<string, string>;
  stdout: () => string;
  stderr: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts the CLI; resolves once it printed every required line (and the curl recipe after them). */
function startCli(args: string[]): Promise<Cli> {
  const child = spawn(process.execPath, [join(repoRoot(), "dist/emulator-cli.js"), ...args], {
    cwd: repoRoot(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "",
    stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // SIGKILL after 10 s: a CLI that ignores the signal fails its test instead of outliving it.
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    await stopProcess(child, { signal, graceMs: 10_000 });
    return exited;
  };
  return new Promise((resolve, reject) => {
    let late = false;
    // Too slow: stop it; the exit below then rejects, once it has exited.
    const timer = setTimeout(() => {
      late = true;
      void stop();
    }, 20_000);
    // Ready once every line is printed and the "serving" line (after the notes) is on stderr.
    const check = () => {
      const env = Object.fromEntries(
        stdout
          .split("\n")
          .filter((l) => /^[A-Z_0-9]+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      const needed = args.includes("--http") ? REQUIRED : [...REQUIRED, "NODE_EXTRA_CA_CERTS"];
      if (needed.every((k) => env[k]) && stdout.endsWith("\n") && /keyvault-emulator: serving/.test(stderr)) {
        clearTimeout(timer);
        resolve({ env, stdout: () => stdout, stderr: () => stderr, stop });
      }
    };
    child.stdout.on("data", (c: Buffer) => {
      stdout += c;
      check();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c;
      check();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${late ? "no environment lines within 20 s" : `exited with ${code} before printing`}\n${stdout}\n${stderr}`));
    });
  });
}

/** Runs the CLI to its end (it is expected to refuse to start). */
function runCliToEnd(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot(), "dist/emulator-cli.js"), ...args],
      { cwd: repoRoot(), timeout: 20_000 },
      (error, _stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stderr });
      },
    );
  });
}

/** A request to 127.0.0.1 with the Host of `url` (the CLI's vault names need not resolve here). */
function raw(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; json: any; headers: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    httpRequest(
      { host: "127.0.0.1", port: Number(u.port), path: u.pathname + u.search, method, headers: { host: u.host, ...headers } },
      (res) => {
        let text = "";
        res
          .on("data", (c: Buffer) => {
            text += c;
          })
          .on("end", () => {
            let json: any;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode!, json, headers: res.headers });
          });
      },
    )
      .on("error", reject)
      .end(body);
  });
}

async function cliToken(env: Record<string, string>, scope = "https://127.0.0.1/.default"): Promise<string> {
  const r = await raw(
    "POST",
    `${env.AZURE_AUTHORITY_HOST}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
    { "content-type": "application/x-www-form-urlencoded" },
    new URLSearchParams({
      grant_type: "client_credentials",
      client_id: env.AZURE_CLIENT_ID!,
      client_secret: env.AZURE_CLIENT_SECRET!,
      scope,
    }).toString(),
  );
  return r.json.access_token;
}

/** Runs a shell script (the printed curl recipe) with an environment; resolves its stdout. */
function bash(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      ["-euo", "pipefail", "-c", script],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...runMarker(), ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

const suite: SuiteFile = (t) => {
  t.group("keyvault-emulator CLI", () => {
    t.test("has a shebang line", () => {
      assert.match(readFileSync(join(repoRoot(), "dist/emulator-cli.js"), "utf8"), /^#!\/usr\/bin\/env node\n/);
    });

    t.test(
      "prints KEYVAULT_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST and the certificate; SIGTERM stops it",
      async () => {
        const cli = await startCli(["--port", "0", "--name", "cli-check", "--vault-host", "cli-check.vault.localhost"]);
        try {
          assert.match(cli.env.KEYVAULT_URL!, /^https:\/\/cli-check\.vault\.localhost:\d+$/);
          assert.match(cli.env.AZURE_AUTHORITY_HOST!, /^https:\/\/localhost:\d+$/);
          assert.match(cli.env.AZURE_TENANT_ID!, /^[0-9a-f-]{36}$/);
          assert.ok(cli.env.AZURE_CLIENT_ID && cli.env.AZURE_CLIENT_SECRET, "client id and secret");
          assert.match(readFileSync(cli.env.NODE_EXTRA_CA_CERTS!, "utf8"), /^-----BEGIN CERTIFICATE-----/);
        } finally {
          assert.equal(await cli.stop(), 0, "exit code after SIGTERM");
        }
        assert.ok(!existsSync(dirname(cli.env.NODE_EXTRA_CA_CERTS!)), "SIGTERM removed the certificate's temporary folder");
      },
    );

    t.test("SIGINT (Ctrl+C) stops it too, and its temporary folder is gone", async () => {
      const cli = await startCli(["--port", "0", "--name", "cli-sigint", "--vault-host", "127.0.0.1"]);
      try {
        const folder = dirname(cli.env.NODE_EXTRA_CA_CERTS!);
        assert.ok(existsSync(folder));
        assert.equal(await cli.stop("SIGINT"), 0);
        assert.ok(!existsSync(folder), "SIGINT removed it");
      } finally {
        await cli.stop();
      }
    });

    t.test(
      "state survives a restart: create, sign, kill -9, start again, verify, list (same identity printed)",
      async () => {
        const dir = mkdtempSync(join(tmpdir(), "kvf-cli-state-"));
        let first: Cli | undefined;
        try {
          const state = join(dir, "dev.state");
          const args = ["--port", "0", "--http", "--vault-host", "127.0.0.1", "--state", state];
          first = await startCli(args);
          assert.match(first.stderr(), /WARNING: .*in the clear/);
          const token = await cliToken(first.env);
          const call = (env: Record<string, string>, tok: string, method: string, path: string, body?: unknown) =>
            raw(
              method,
              `${env.KEYVAULT_URL}${path}?api-version=2025-07-01`,
              { authorization: `Bearer ${tok}`, ...(body ? { "content-type": "application/json" } : {}) },
              body ? JSON.stringify(body) : undefined,
            );
          const key = (await call(first.env, token, "POST", "/keys/survivor/create", { kty: "EC", crv: "P-256" })).json.key;
          const digest = Buffer.alloc(32, 9).toString("base64url");
          const signed = await call(first.env, token, "POST", `/keys/survivor/${key.kid.split("/").pop()}/sign`, {
            alg: "ES256",
            value: digest,
          });
          assert.equal(signed.status, 200);
          assert.equal(await first.stop("SIGKILL"), null, "killed, no chance to save anything more");
          const second = await startCli(args);
          try {
            for (const k of ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"]) assert.equal(second.env[k], first.env[k], k);
            const tok = await cliToken(second.env);
            const verified = await call(second.env, tok, "POST", `/keys/survivor/${key.kid.split("/").pop()}/verify`, {
              alg: "ES256",
              digest,
              value: signed.json.value,
            });
            assert.equal(verified.json.value, true, "the same private key signed it");
            const listed = await call(second.env, tok, "GET", "/keys");
            assert.deepEqual(
              listed.json.value.map((i: any) => i.kid.split("/").pop()),
              ["survivor"],
            );
            assert.equal((await call(second.env, token, "GET", "/keys/survivor")).status, 200, "a token from before the kill still works");
          } finally {
            await second.stop();
          }
        } finally {
          await first?.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      },
      { timeoutMs: 60_000 },
    );

    t.test(
      "a corrupt or foreign state file is refused with a clear message and left byte for byte as it was",
      async () => {
        const dir = mkdtempSync(join(tmpdir(), "kvf-cli-corrupt-"));
        try {
          const state = join(dir, "dev.state");
          const cli = await startCli(["--port", "0", "--http", "--vault-host", "127.0.0.1", "--state", state]);
          await cli.stop();
          const good = readFileSync(state);
          const damaged = Buffer.from(good);
          const middle = Math.floor(damaged.length / 2);
          damaged[middle] = damaged[middle]! ^ 0x01; // one bit, in the middle of the payload
          for (const [bytes, message] of [
            [damaged, /damaged/],
            [Buffer.from("[section]\nkey=value\n"), /not a keyvault-emulator state file/],
          ] as const) {
            writeFileSync(state, bytes);
            const run = await runCliToEnd(["--port", "0", "--http", "--state", state]);
            assert.notEqual(run.code, 0, "refused to start");
            assert.match(run.stderr, message);
            assert.ok(readFileSync(state).equals(bytes), "untouched");
            assert.ok(!existsSync(`${state}.lock`), "no lock left behind");
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      { timeoutMs: 60_000 },
    );

    t.test(
      "the printed curl recipe works as printed: a token with the right scope, then an EC key made and listed",
      async () => {
        const cli = await startCli(["--port", "0", "--name", "cli-curl", "--vault-host", "127.0.0.1"]);
        try {
          const recipe = cli
            .stdout()
            .split("\n")
            .filter((l) => /^# (TOKEN=|curl )/.test(l))
            .map((l) => l.slice(2));
          assert.equal(recipe.length, 3, cli.stdout());
          const out = await bash(recipe.join("\n"), cli.env);
          const created = out.slice(0, out.indexOf('{"value"'));
          assert.match(created, /^\{"key":\{"kid":"https:\/\/127\.0\.0\.1:\d+\/keys\/from-curl\/[0-9a-f]{32}","kty":"EC"/, out);
          assert.match(out.slice(created.length), /^\{"value":\[\{"kid":"https:\/\/127\.0\.0\.1:\d+\/keys\/from-curl"/, out);
        } finally {
          await cli.stop();
        }
      },
      { timeoutMs: 60_000 },
    );

    t.test(
      "--vault/--hsm (and --config) serve several vaults, each named in the printed environment; --cors answers a listed origin",
      async () => {
        const dir = mkdtempSync(join(tmpdir(), "kvf-cli-config-"));
        try {
          const cli = await startCli([
            "--port",
            "0",
            "--http",
            "--vault",
            "cli-multi-a",
            "--vault",
            "cli-multi-b",
            "--hsm",
            "cli-multi-h",
            "--cors",
            "http://localhost:5173,http://127.0.0.1:5173",
          ]);
          try {
            assert.match(cli.env.KEYVAULT_URL_CLI_MULTI_A!, /^http:\/\/cli-multi-a\.vault\.localhost:\d+$/);
            assert.match(cli.env.KEYVAULT_URL_CLI_MULTI_B!, /^http:\/\/cli-multi-b\.vault\.localhost:\d+$/);
            assert.match(cli.env.MANAGED_HSM_URL_CLI_MULTI_H!, /^http:\/\/cli-multi-h\.managedhsm\.localhost:\d+$/);
            assert.equal(cli.env.KEYVAULT_URL, cli.env.KEYVAULT_URL_CLI_MULTI_A);
            assert.match(cli.stdout(), /# MANAGED_HSM_URL_CLI_MULTI_H: scope=https:\/\/managedhsm\.localhost\/\.default/);
            const pre = await raw("OPTIONS", `${cli.env.KEYVAULT_URL_CLI_MULTI_B}/keys?api-version=2025-07-01`, {
              origin: "http://127.0.0.1:5173",
              "access-control-request-method": "GET",
            });
            assert.equal(pre.status, 204);
            assert.equal(pre.headers["access-control-allow-origin"], "http://127.0.0.1:5173");
          } finally {
            await cli.stop();
          }
          const config = join(dir, "emulator.json");
          writeFileSync(
            config,
            JSON.stringify({ http: true, port: 0, vaults: [{ name: "cfg-one" }, { name: "cfg-hsm", managedHsm: true }] }),
          );
          const fromFile = await startCli(["--config", config, "--http"]);
          try {
            assert.match(fromFile.env.KEYVAULT_URL_CFG_ONE!, /cfg-one\.vault\.localhost/);
            assert.match(fromFile.env.MANAGED_HSM_URL_CFG_HSM!, /cfg-hsm\.managedhsm\.localhost/);
          } finally {
            await fromFile.stop();
          }
          const clash = await runCliToEnd(["--port", "0", "--vault", "cfg-one", "--name", "other"]);
          assert.equal(clash.code, 2);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      { timeoutMs: 60_000 },
    );

    t.test("the quickstart runs against the CLI's vault (default host) configured only by the printed lines", async () => {
      // Default vault host: cli-quickstart.vault.localhost where that resolves to loopback, else 127.0.0.1.
      const cli = await startCli(["--port", "0", "--name", "cli-quickstart"]);
      try {
        assert.match(cli.env.KEYVAULT_URL!, /^https:\/\/(cli-quickstart\.vault\.localhost|127\.0\.0\.1):\d+$/);
        const { stdout } = await runNodeScript("examples/quickstart.mjs", { env: cli.env });
        assert.match(stdout, new RegExp(`^keyvault-fetch quickstart: vault ${cli.env.KEYVAULT_URL!.replace(/[.]/g, "\\.")}\\n`));
        assert.match(stdout, /verified locally with Web Crypto: valid/);
        assert.match(stdout, /unwrapped in the vault: identical/);
      } finally {
        await cli.stop();
      }
    });

    t.test("--cert/--key serve the given certificate, and it is the one printed for clients to trust", async () => {
      const dir = mkdtempSync(join(tmpdir(), "kvf-cert-"));
      const { cert, key } = await createSelfSignedCertificate({ dnsNames: ["localhost"], days: 2 });
      writeFileSync(join(dir, "cert.pem"), cert);
      writeFileSync(join(dir, "key.pem"), key);
      const cli = await startCli([
        "--port",
        "0",
        "--vault-host",
        "127.0.0.1",
        "--cert",
        join(dir, "cert.pem"),
        "--key",
        join(dir, "key.pem"),
      ]);
      try {
        assert.equal(readFileSync(cli.env.NODE_EXTRA_CA_CERTS!, "utf8"), cert);
        const { stdout } = await runNode(
          `const r = await fetch(${JSON.stringify(cli.env.KEYVAULT_URL + "/keys?api-version=2025-07-01")}); console.log(r.status);`,
          { certificate: cert },
        );
        assert.equal(stdout.trim(), "401");
      } finally {
        await cli.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    t.test("--http serves plain HTTP and says clients must opt in", async () => {
      const cli = await startCli(["--port", "0", "--http", "--vault-host", "127.0.0.1"]);
      try {
        assert.match(cli.env.KEYVAULT_URL!, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(cli.env.NODE_EXTRA_CA_CERTS, undefined);
        const r = await fetch(`${cli.env.KEYVAULT_URL}/keys?api-version=2025-07-01`);
        assert.equal(r.status, 401);
        assert.match(r.headers.get("www-authenticate") ?? "", /resource="https:\/\/127\.0\.0\.1"/);
        assert.match(cli.stderr(), /plain HTTP/);
      } finally {
        await cli.stop();
      }
    });

    t.test("--help prints usage; an unknown flag exits 2", async () => {
      const help = await runNodeScript("dist/emulator-cli.js", { args: ["--help"] });
      assert.match(help.stdout, /Usage: keyvault-emulator/);
      const bad = await runNodeScript("dist/emulator-cli.js", { args: ["--bogus"] }).then(
        () => undefined,
        (e: Error) => e,
      );
      assert.ok(bad, "non-zero exit");
      assert.match(bad.message, /child exited with 2[\s\S]*Unknown option '--bogus'/);
    });
  });
};
export default suite;

// The keyvault-emulator bin (dist/emulator-cli.js): it starts, prints the environment lines,
// serves a vault that a client configured only from those lines can use, and stops cleanly.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSelfSignedCertificate } from "keyvault-fetch/emulator/server";
import { repoRoot, runNode, runNodeScript } from "./child.js";

const REQUIRED = ["KEYVAULT_URL", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST"];

/** Starts the CLI; resolves once it printed every required line. */
function startCli(args: string[]): Promise<{ env: Record<string, string>; stderr: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [join(repoRoot(), "dist/emulator-cli.js"), ...args], { cwd: repoRoot(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stderr.on("data", (c: Buffer) => { stderr += c; });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const stop = () => { if (child.exitCode === null) child.kill("SIGTERM"); return exited; };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void stop(); reject(new Error(`no environment lines within 10 s\n${stdout}\n${stderr}`)); }, 10_000);
    child.stdout.on("data", (c: Buffer) => {
      stdout += c;
      const env = Object.fromEntries(stdout.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
      const needed = args.includes("--http") ? REQUIRED : [...REQUIRED, "NODE_EXTRA_CA_CERTS"];
      if (needed.every((k) => env[k])) { clearTimeout(timer); resolve({ env, stderr: () => stderr, stop }); }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`exited with ${code} before printing\n${stdout}\n${stderr}`)); });
  });
}

const suite: SuiteFile = (t) => {
  t.group("keyvault-emulator CLI", () => {
    t.test("has a shebang line", () => {
      assert.match(readFileSync(join(repoRoot(), "dist/emulator-cli.js"), "utf8"), /^#!\/usr\/bin\/env node\n/);
    });

    t.test("prints KEYVAULT_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST and the certificate; SIGTERM stops it", async () => {
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
    });

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
      const cli = await startCli(["--port", "0", "--vault-host", "127.0.0.1", "--cert", join(dir, "cert.pem"), "--key", join(dir, "key.pem")]);
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
      const bad = await runNodeScript("dist/emulator-cli.js", { args: ["--bogus"] }).then(() => undefined, (e: Error) => e);
      assert.ok(bad, "non-zero exit");
      assert.match(bad.message, /child exited with 2[\s\S]*Unknown option '--bogus'/);
    });
  });
};
export default suite;

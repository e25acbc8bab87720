#!/usr/bin/env node
// keyvault-emulator: the emulated vault and Entra authority over HTTPS (or HTTP), on loopback.
// Prints KEY=value lines any client can take as its environment, then serves until stopped.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startEmulatorServer } from "./server.js";

const usage = `Usage: keyvault-emulator [options]

Serves an emulated Azure Key Vault (keys) and its Entra ID token endpoint, then prints
KEYVAULT_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST
and NODE_EXTRA_CA_CERTS (the certificate to trust) as KEY=value lines.

Options:
  --port <n>           port to listen on (default 8443; 0 picks a free one)
  --host <address>     address to bind (default 127.0.0.1, loopback only)
  --http               plain HTTP instead of HTTPS (clients must opt in to insecure loopback)
  --cert <file>        PEM certificate to serve instead of a fresh self-signed one (needs --key)
  --key <file>         PEM private key for --cert
  --managed-hsm        emulate a Managed HSM (oct-HSM keys, /rng) instead of a vault
  --name <name>        vault name (default "emulator")
  --vault-host <host>  host name in KEYVAULT_URL (default <name>.vault.localhost, or
                       <name>.managedhsm.localhost, when it resolves to loopback; else 127.0.0.1)
  --tenant-id <id>     tenant id (default: a random GUID)
  --client-id <id>     the registered application's client id (default: a random GUID)
  --client-secret <s>  its secret (default: random)
  -h, --help           show this help
`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" }, host: { type: "string" }, http: { type: "boolean" },
        cert: { type: "string" }, key: { type: "string" }, "managed-hsm": { type: "boolean" },
        name: { type: "string" }, "vault-host": { type: "string" }, "tenant-id": { type: "string" },
        "client-id": { type: "string" }, "client-secret": { type: "string" }, help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    return fail(`${(e as Error).message}\n\n${usage}`);
  }
  if (values.help) { process.stdout.write(usage); return; }

  const port = values.port === undefined ? 8443 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`--port must be 0..65535, got ${values.port}`);
  if (Boolean(values.cert) !== Boolean(values.key)) return fail("--cert and --key go together");
  if (values.http && values.cert) return fail("--http serves no certificate; drop --cert/--key");
  const tls = values.http ? false as const
    : values.cert ? { cert: readFileSync(values.cert, "utf8"), key: readFileSync(values.key!, "utf8") } : undefined;

  const server = await startEmulatorServer({
    port, tls,
    ...(values.host ? { host: values.host } : {}),
    ...(values["managed-hsm"] ? { managedHsm: true } : {}),
    ...(values.name ? { name: values.name } : {}),
    ...(values["vault-host"] ? { vaultHost: values["vault-host"] } : {}),
    ...(values["tenant-id"] ? { tenantId: values["tenant-id"] } : {}),
    ...(values["client-id"] ? { clientId: values["client-id"] } : {}),
    ...(values["client-secret"] ? { clientSecret: values["client-secret"] } : {}),
  });

  // Stop cleanly on Ctrl+C or SIGTERM; installed before printing, so a reader may stop us at once.
  const stop = () => { void server.close().then(() => process.exit(0)); };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  const env: Record<string, string> = { ...server.env };
  if (server.certificate) {
    const file = join(mkdtempSync(join(tmpdir(), "keyvault-emulator-")), "certificate.pem");
    writeFileSync(file, server.certificate);
    env.NODE_EXTRA_CA_CERTS = file;
  }
  // One write, so a reader never sees half of the lines.
  process.stdout.write(Object.entries(env).map(([name, value]) => `${name}=${value}\n`).join(""));
  for (const note of server.notes) process.stderr.write(`note: ${note}\n`);
  process.stderr.write(`keyvault-emulator: serving ${server.vaultUrl} (authority ${server.authorityHost}); Ctrl+C stops\n`);

}

function fail(message: string): void {
  process.stderr.write(`keyvault-emulator: ${message}\n`);
  process.exitCode = 2;
}

main().catch((e: unknown) => {
  const busy = (e as NodeJS.ErrnoException)?.code === "EADDRINUSE";
  fail(`${e instanceof Error ? e.message : String(e)}${busy ? " (another server has this port: pick one with --port, or --port 0 for any free one)" : ""}`);
  process.exit(1);
});

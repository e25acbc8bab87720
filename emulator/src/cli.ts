#!/usr/bin/env node
// keyvault-emulator: emulated vaults, Managed HSMs and their Entra authority over HTTPS (or HTTP),
// on loopback. Prints KEY=value lines any client can take as its environment (and, as comments,
// a curl recipe), then serves until stopped; Ctrl+C or SIGTERM stop it and remove what it made.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startEmulatorServer, type EmulatorServer, type EmulatorServerOptions, type EmulatorServerVault } from "./server.js";

const usage = `Usage: keyvault-emulator [options]

Serves emulated Azure Key Vaults (keys, secrets and certificates) and Managed HSMs (keys) with their Entra ID
token endpoint, then prints KEYVAULT_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
AZURE_AUTHORITY_HOST and NODE_EXTRA_CA_CERTS (the certificate to trust; with --http,
ALLOW_INSECURE_LOOPBACK=true instead) as KEY=value lines, one more line per vault when there
are several, and a curl recipe as # comments.

The same identity across restarts: --state <file> keeps the tenant, client, secret and keys.
Started by npx, it ends when npm does (kill $! in a script); the bin itself
(node_modules/.bin/keyvault-emulator) ends at once.

Options:
  --port <n>             port to listen on (default 8443; 0 picks a free one)
  --host <address>       address to bind (default 127.0.0.1, loopback only)
  --http                 plain HTTP instead of HTTPS (clients must opt in to insecure loopback)
  --cert <file>          PEM certificate to serve instead of a fresh self-signed one (needs --key)
  --key <file>           PEM private key for --cert
  --vault <name>         a vault at <name>.vault.localhost (repeat for several)
  --hsm <name>           a Managed HSM at <name>.managedhsm.localhost (repeat for several)
  --name <name>          the one vault's name (default "emulator"), without --vault/--hsm
  --managed-hsm          the one vault is a Managed HSM (oct-HSM keys, /rng)
  --vault-host <host>    the one vault's host name (default <name>.vault.localhost, or
                         <name>.managedhsm.localhost, when it resolves to loopback; else 127.0.0.1)
  --cors <origins>       browser origins allowed to call the vaults and the token endpoint
                         directly, comma-separated (e.g. http://localhost:5173); none by default
  --env-file <file>      also write the KEY=value lines to this file once serving (e.g. a
                         Worker's .dev.vars, or a dotenv file for deno --env-file)
  --state <file>         keep the state in this file: loaded at start, saved after every change
  --state-key-file <f>   encrypt the state with the passphrase in this file (or set
                         KEYVAULT_EMULATOR_STATE_KEY); without one the file holds keys in the clear
  --config <file>        JSON with any of: port, host, http, vaults [{name, managedHsm, host}],
                         cors, state, tenantId, clientId, clientSecret (flags override it)
  --no-admin             no admin endpoint (default: <authority>/_emulator on loopback moves
                         the clock, resets vaults, exports and imports their state)
  --tenant-id <id>       tenant id (default: a random GUID, or the state file's)
  --client-id <id>       the registered application's client id (default: random, or the state's)
  --client-secret <s>    its secret (default: random, or the state file's)
  -h, --help             show this help
`;

/** What --config may hold. */
interface ConfigFile {
  port?: number;
  host?: string;
  http?: boolean;
  vaults?: EmulatorServerVault[];
  cors?: string[];
  state?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        http: { type: "boolean" },
        cert: { type: "string" },
        key: { type: "string" },
        "managed-hsm": { type: "boolean" },
        name: { type: "string" },
        "vault-host": { type: "string" },
        "tenant-id": { type: "string" },
        vault: { type: "string", multiple: true },
        hsm: { type: "string", multiple: true },
        cors: { type: "string", multiple: true },
        state: { type: "string" },
        "state-key-file": { type: "string" },
        config: { type: "string" },
        "env-file": { type: "string" },
        "no-admin": { type: "boolean" },
        "client-id": { type: "string" },
        "client-secret": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    return fail(`${(e as Error).message}\n\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(usage);
    return;
  }

  let config: ConfigFile = {};
  if (values.config) {
    try {
      config = JSON.parse(readFileSync(values.config, "utf8"));
    } catch (e) {
      return fail(`--config ${values.config}: ${(e as Error).message}`);
    }
    if (!config || typeof config !== "object" || Array.isArray(config)) return fail(`--config ${values.config}: expected a JSON object`);
  }
  const port = values.port !== undefined ? Number(values.port) : (config.port ?? 8443);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`--port must be 0..65535, got ${values.port ?? config.port}`);
  if (Boolean(values.cert) !== Boolean(values.key)) return fail("--cert and --key go together");
  const plainHttp = values.http ?? config.http ?? false;
  if (plainHttp && values.cert) return fail("--http serves no certificate; drop --cert/--key");
  const tls = plainHttp
    ? (false as const)
    : values.cert
      ? { cert: readFileSync(values.cert, "utf8"), key: readFileSync(values.key!, "utf8") }
      : undefined;

  const listed: EmulatorServerVault[] = [
    ...(values.vault ?? []).map((name) => ({ name })),
    ...(values.hsm ?? []).map((name) => ({ name, managedHsm: true })),
  ];
  const vaults = listed.length ? listed : config.vaults;
  if (vaults && (values.name || values["managed-hsm"] || values["vault-host"]))
    return fail("--name, --managed-hsm and --vault-host are for one vault; with --vault/--hsm (or vaults in --config) name each one there");
  const cors = [
    ...(values.cors ?? [])
      .flatMap((c) => c.split(","))
      .map((c) => c.trim())
      .filter(Boolean),
  ];
  const stateFile = values.state ?? config.state;
  let stateKey: string | undefined = process.env.KEYVAULT_EMULATOR_STATE_KEY || undefined;
  if (values["state-key-file"]) {
    try {
      stateKey = readFileSync(values["state-key-file"], "utf8").replace(/\r?\n$/, "");
    } catch (e) {
      return fail(`--state-key-file: ${(e as Error).message}`);
    }
    if (!stateKey) return fail("--state-key-file: the file is empty");
  }
  if (stateKey && !stateFile) return fail("a state key was given (--state-key-file or KEYVAULT_EMULATOR_STATE_KEY) but no --state file");

  const options: EmulatorServerOptions = {
    port,
    tls,
    ...((values.host ?? config.host) ? { host: values.host ?? config.host } : {}),
    ...(vaults
      ? { vaults }
      : {
          ...(values["managed-hsm"] ? { managedHsm: true } : {}),
          ...(values.name ? { name: values.name } : {}),
          ...(values["vault-host"] ? { vaultHost: values["vault-host"] } : {}),
        }),
    ...(cors.length ? { cors } : config.cors ? { cors: config.cors } : {}),
    ...(stateFile ? { state: { file: stateFile, ...(stateKey ? { key: stateKey } : {}) } } : {}),
    ...(values["no-admin"] ? { admin: false } : {}),
    ...((values["tenant-id"] ?? config.tenantId) ? { tenantId: values["tenant-id"] ?? config.tenantId } : {}),
    ...((values["client-id"] ?? config.clientId) ? { clientId: values["client-id"] ?? config.clientId } : {}),
    ...((values["client-secret"] ?? config.clientSecret) ? { clientSecret: values["client-secret"] ?? config.clientSecret } : {}),
  };

  // What this process made and must remove, whatever way it ends (Ctrl+C, SIGTERM, an error).
  let certDir: string | undefined;
  const cleanUp = () => {
    if (certDir) {
      rmSync(certDir, { recursive: true, force: true });
      certDir = undefined;
    }
  };
  process.once("exit", cleanUp);
  let server: EmulatorServer | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (server ? server.close() : Promise.resolve())
      .catch((e: unknown) => {
        process.stderr.write(`keyvault-emulator: ${e instanceof Error ? e.message : String(e)}\n`);
      })
      .finally(() => {
        cleanUp();
        process.exit(0);
      });
  };
  // Installed before anything is made, so a reader may stop us at once and nothing is left behind.
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  server = await startEmulatorServer(options);
  // Started by npx (npm exec), we are npm's grandchild: npm passes a SIGTERM on to the shell between
  // us but not to us, so `kill $!` would leave us holding the port. End when that shell ends (our
  // parent changes); started otherwise, a detached run (nohup, setsid) is left alone.
  if (process.env.npm_command === "exec") {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop();
    }, 500).unref();
  }

  const env: Record<string, string> = { ...server.env };
  if (server.certificate) {
    certDir = mkdtempSync(join(tmpdir(), "keyvault-emulator-"));
    const file = join(certDir, "certificate.pem");
    writeFileSync(file, server.certificate);
    env.NODE_EXTRA_CA_CERTS = file;
  } else {
    // What a client must opt in to for plain http on loopback (the examples read this name).
    env.ALLOW_INSECURE_LOOPBACK = "true";
  }
  const lines = Object.entries(env)
    .map(([name, value]) => `${name}=${value}\n`)
    .join("");
  if (values["env-file"]) writeEnvFile(values["env-file"], lines);
  // One write, so a reader never sees half of the lines.
  process.stdout.write(lines + curlRecipe(server, Boolean(server.certificate)));
  for (const note of server.notes) process.stderr.write(`${/in the clear/.test(note) ? "WARNING" : "note"}: ${note}\n`);
  process.stderr.write(
    `keyvault-emulator: serving ${server.vaults.map((v) => v.url).join(", ")} (authority ${server.authorityHost}${server.adminUrl ? `, admin ${server.adminUrl}` : ""}); Ctrl+C stops\n`,
  );
}

/** Writes the lines whole: into a temporary file beside the target, then renamed over it. */
function writeEnvFile(file: string, lines: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, lines, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Comment lines: get a token with curl, then call the first vault (works once the lines above are in the environment). */
function curlRecipe(server: EmulatorServer, tls: boolean): string {
  const ca = tls ? ' --cacert "$NODE_EXTRA_CA_CERTS"' : "";
  const first = server.vaults[0]!;
  const lines = [
    "",
    "curl: a token for the first vault, then a call (after: set -a; . ./this-file; set +a)",
    `TOKEN=$(curl -sS${ca} "$AZURE_AUTHORITY_HOST/$AZURE_TENANT_ID/oauth2/v2.0/token" -d grant_type=client_credentials --data-urlencode "client_id=$AZURE_CLIENT_ID" --data-urlencode "client_secret=$AZURE_CLIENT_SECRET" --data-urlencode "scope=${first.resource}/.default" | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `curl -sS${ca} -H "Authorization: Bearer $TOKEN" -H "content-type: application/json" -d '{"kty":"${first.managedHsm ? "oct-HSM" : "EC"}"}' "$KEYVAULT_URL/keys/from-curl/create?api-version=2025-07-01"`,
    `curl -sS${ca} -H "Authorization: Bearer $TOKEN" "$KEYVAULT_URL/keys?api-version=2025-07-01"`,
  ];
  for (const v of server.vaults.slice(1)) lines.push(`${v.envName}: scope=${v.resource}/.default`);
  if (server.adminUrl) lines.push(`clock: curl -sS${ca} -d '{"advance":"P30D"}' ${server.adminUrl}/clock`);
  return lines.map((l) => (l ? `# ${l}` : "#")).join("\n") + "\n";
}

function fail(message: string): void {
  process.stderr.write(`keyvault-emulator: ${message}\n`);
  process.exitCode = 2;
}

main().catch((e: unknown) => {
  const busy = (e as NodeJS.ErrnoException)?.code === "EADDRINUSE";
  fail(
    `${e instanceof Error ? e.message : String(e)}${busy ? " (another server has this port: pick one with --port, or --port 0 for any free one)" : ""}`,
  );
  process.exit(1);
});

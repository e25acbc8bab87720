// Shared by the official-SDK child scripts: the SDK clients built from the environment the
// keyvault-emulator CLI prints, and one JSON line per check on stdout.
import { ClientSecretCredential } from "@azure/identity";
import { KeyClient } from "@azure/keyvault-keys";
import { createInterface } from "node:readline";

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

/** The SDK clients, exactly as an application would make them (resource verification stays on). */
export function sdkClients() {
  const vaultUrl = env("KEYVAULT_URL");
  const tenantId = env("AZURE_TENANT_ID");
  const credential = new ClientSecretCredential(tenantId, env("AZURE_CLIENT_ID"), env("AZURE_CLIENT_SECRET"), {
    authorityHost: env("AZURE_AUTHORITY_HOST"),
    disableInstanceDiscovery: true,
  });
  return { vaultUrl, tenantId, credential, client: new KeyClient(vaultUrl, credential) };
}

let failures = 0;

/** Runs one check and prints {"check", "ok", "error"?}. */
export async function check(name, fn) {
  try {
    await fn();
    console.log(JSON.stringify({ check: name, ok: true }));
  } catch (e) {
    failures++;
    const error = `${e?.name ?? "Error"}: ${e?.message ?? e}${e?.statusCode ? ` (status ${e.statusCode}, code ${e.code})` : ""}`;
    console.log(JSON.stringify({ check: name, ok: false, error }));
  }
}

/** Sets the exit code from the checks run so far. */
export function finish() {
  process.exitCode = failures ? 1 : 0;
}

export function expect(cond, message) {
  if (!cond) throw new Error(message);
}

/** Runs fn and returns the error it throws; fails when it succeeds. */
export async function rejection(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the service to refuse");
}

/** Asks the test process to do something (e.g. revoke sessions) and waits for its answer line. */
export function askParent(request) {
  console.log(JSON.stringify({ request }));
  process.stdin.ref?.(); // unref'd after the last answer, so a finished script can exit
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once("line", (line) => {
      lines.close();
      process.stdin.pause();
      process.stdin.unref?.();
      resolve(line);
    });
  });
}

// The Node-only subpaths, compiled with @types/node and no DOM lib (test/node/consumer-types.test.ts).
import { createServer } from "node:http";
import { KeyVaultClient } from "keyvault-fetch";
import { createVaultProxy } from "keyvault-fetch/proxy";
import { serveVaultProxy, toNodeListener } from "keyvault-fetch/proxy/server";
import { startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { getRandomBytes } from "keyvault-fetch/keys";
import { createHash } from "node:crypto";

export async function nodeServers(): Promise<void> {
  const server = await startEmulatorServer({ vaults: [{ name: "app" }] });
  const client = new KeyVaultClient(server.vaultUrl, { getToken: server.emulator.getToken, fetch: server.emulator.fetch });
  const jwks = await server.emulator.authorityKeys();
  const kty: string = jwks[0]!.kty;
  createHash("sha256")
    .update(await getRandomBytes(client, 16))
    .digest();
  await crypto.subtle.digest("SHA-256", await getRandomBytes(client, 16));
  const proxy = await serveVaultProxy({ vaultUrl: server.vaultUrl, allowedOrigins: ["http://localhost:5173"] });
  createServer(toNodeListener(createVaultProxy({ vaultUrl: server.vaultUrl, allowedOrigins: [] })));
  void kty;
  await proxy.close();
  await server.close();
}

// The Key Vault CORS proxy on Deno: a browser page calls this server, which
// forwards to the one vault in KEYVAULT_URL for the page origins in ALLOWED_ORIGINS and refuses
// everything else. It holds no secret: the page's own token passes through.
//
//   deno run --allow-net --allow-env proxy.ts
//
// Environment: KEYVAULT_URL, ALLOWED_ORIGINS (comma-separated exact origins), PORT (default 8787),
// HOSTNAME (default 0.0.0.0), ALLOW_INSECURE_LOOPBACK=true only for `keyvault-emulator --http`.
// deno.json maps "keyvault-fetch/proxy" to the npm package.
import { createVaultProxy } from "keyvault-fetch/proxy";

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const vaultUrl = required("KEYVAULT_URL");
const proxy = createVaultProxy({
  vaultUrl,
  allowedOrigins: required("ALLOWED_ORIGINS")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean),
  allowInsecureLoopback: Deno.env.get("ALLOW_INSECURE_LOOPBACK") === "true",
});

Deno.serve(
  {
    port: Number(Deno.env.get("PORT") ?? 8787),
    hostname: Deno.env.get("HOSTNAME") ?? "0.0.0.0",
    onListen: ({ hostname, port }) => console.log(`proxy for ${vaultUrl} listening on http://${hostname}:${port}`),
  },
  (request) => proxy(request),
);

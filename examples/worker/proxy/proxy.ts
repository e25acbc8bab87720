// The CORS proxy a browser page needs to reach Key Vault, as a whole Cloudflare Worker. It forwards
// to the one vault in KEYVAULT_URL, for the page origins in ALLOWED_ORIGINS (comma-separated), and
// refuses everything else. The page's own MSAL token passes through; the Worker holds no secret.
import { createVaultProxy, type ProxyHandler } from "keyvault-fetch/proxy";

export interface Env {
  KEYVAULT_URL: string;
  ALLOWED_ORIGINS: string;
  /** "true" only for `wrangler dev` against `keyvault-emulator --http` */
  ALLOW_INSECURE_LOOPBACK?: string;
}

// env arrives with the first request; the handler is made once per isolate for those settings.
let proxy: { settings: string; handle: ProxyHandler } | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    const settings = `${env.KEYVAULT_URL}\n${env.ALLOWED_ORIGINS}\n${env.ALLOW_INSECURE_LOOPBACK ?? ""}`;
    if (proxy?.settings !== settings) {
      proxy = {
        settings,
        handle: createVaultProxy({
          vaultUrl: env.KEYVAULT_URL,
          allowedOrigins: env.ALLOWED_ORIGINS.split(",")
            .map((o) => o.trim())
            .filter(Boolean),
          allowInsecureLoopback: env.ALLOW_INSECURE_LOOPBACK === "true",
        }),
      };
    }
    return proxy.handle(request);
  },
};

// The Worker of the README's "Secrets" section, plus what the tests need to drive it: which names
// to read (?name=…, several read concurrently within one request), which store (env.STORE_KIND),
// and the cache's clock (x-test-now), since inside workerd time only moves with I/O.
import { KeyVaultClient } from "keyvault-fetch";
import { fromClientSecret } from "keyvault-fetch/entra";
import { SecretCache, workersCacheStore, workersKvStore } from "keyvault-fetch/secrets";

let getToken; // module scope: tokens (resolved values) serve every request of this isolate
let cache; // module scope: values (resolved values) serve every request of this isolate
let testNow;

export default {
  async fetch(request, env, ctx) {
    getToken ??= fromClientSecret({ tenantId: env.AZURE_TENANT_ID, clientId: env.AZURE_CLIENT_ID, clientSecret: env.AZURE_CLIENT_SECRET });
    cache ??= new SecretCache({
      ttlMs: 60_000,
      staleWhileRevalidateMs: 0,
      now: () => testNow ?? Date.now(),
      ...(env.STORE_KIND === "kv" ? { store: workersKvStore(env.SECRET_STORE), sealingKey: env.SEALING_KEY } : {}),
      ...(env.STORE_KIND === "cache"
        ? { store: workersCacheStore(/** @type {CacheStorage & { default: Cache }} */ (caches).default), sealingKey: env.SEALING_KEY }
        : {}),
    });
    const url = new URL(request.url);
    if (request.headers.has("x-test-now")) testNow = Number(request.headers.get("x-test-now"));
    // Per request: the client shares in-flight work only within this request.
    const client = new KeyVaultClient(env.KEYVAULT_URL, { getToken });
    const waitUntil = url.searchParams.has("no-wait-until") ? undefined : ctx.waitUntil.bind(ctx);
    const names = url.searchParams.getAll("name");
    const values = await Promise.all(names.map((name) => cache.getValue(client, name, waitUntil ? { waitUntil } : {})));
    return Response.json({ values, stats: cache.stats });
  },
};

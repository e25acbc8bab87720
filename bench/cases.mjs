// The per-call cases of the CPU, instruction and heap parts: one function per contender and
// operation, each doing one call against the canned vault of canned.mjs. The same definitions are
// run by tinybench (cpu.mjs), under callgrind (instructions.mjs) and while held in flight (heap.mjs),
// each in its own process where it matters, so every part measures exactly the same call.
//
// To add cases (e.g. keyvault-fetch/secrets): push to CASES with a new `op`; the report makes one
// table per op, and `goal: true` on a case of ours adds its pass/fail lines.
import { VAULT, VERSION, TOKEN, cannedFetch, createHeldFetch, fixedGetToken } from "./canned.mjs";

const API = "api-version=2025-07-01";
const DIGEST = new Uint8Array(32).fill(7);
const PLAINTEXT = new Uint8Array(32).fill(9);

/** The operations (one HTTP exchange each) and what their answers must look like. */
export const OPS = {
  "get-key": { label: "GET a key (EC P-256 key bundle)", check: (r) => r?.key?.kty === "EC" },
  sign: { label: "sign (ES256, 32-byte digest)", check: (r) => r?.result?.length === 64 },
  encrypt: { label: "encrypt (RSA-OAEP-256, 32 bytes)", check: (r) => r?.result?.length === 256 },
};

/** The contenders' kinds, in table order. */
export const KINDS = ["floor", "ours", "sdk-direct", "sdk-fetch"];
export const KIND_LABELS = {
  floor: "floor (hand-written fetch)",
  ours: "keyvault-fetch",
  "sdk-direct": "@azure/keyvault-keys, direct HttpClient",
  "sdk-fetch": "@azure/keyvault-keys, through fetch",
};

/**
 * What every case is given: the built package, and the transport (`fetch` for the floor and
 * keyvault-fetch, `httpClient` for the SDK); `release()`/`pending()` when answers are held.
 * @param {{ dist: string; held?: boolean }} options
 */
export async function loadContext({ dist, held = false }) {
  const core = await import(`${dist}/index.js`);
  const keys = await import(`${dist}/keys.js`);
  const ctx = { dist, core, keys, held, net: { fetch: cannedFetch } };
  if (held) {
    const f = createHeldFetch();
    ctx.net = { fetch: f.fetch, pending: () => f.pending(), release: () => f.release() };
  }
  // The SDK and its transports are loaded only by SDK cases (a process measuring ours has no SDK code).
  ctx.sdkTransport = async (kind) => {
    const adapter = await import("./azure-adapter.mjs");
    if (kind === "sdk-fetch") return { httpClient: adapter.httpClientFor(ctx.net.fetch), credential: adapter.fixedCredential };
    if (!held) return { httpClient: adapter.cannedHttpClient, credential: adapter.fixedCredential };
    const h = adapter.createHeldHttpClient();
    const prior = ctx.net;
    // Both transports may hold answers in one process: release and count both.
    ctx.net = {
      fetch: prior.fetch,
      pending: () => prior.pending() + h.pending(),
      release: () => {
        prior.release();
        h.release();
      },
    };
    return { httpClient: h.httpClient, credential: adapter.fixedCredential };
  };
  return ctx;
}

// The floor: what a careful hand-written call costs (fixed token, no challenge, no retries), with
// the same base64url codec as keyvault-fetch so the codec's cost is not counted against us.
const floorCall = (ctx, path, body) =>
  ctx.net.fetch(
    `${VAULT}${path}?${API}`,
    body === undefined
      ? { headers: { authorization: `Bearer ${TOKEN}` } }
      : { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) },
  );

async function sdkClients(ctx, kind) {
  const { KeyClient, CryptographyClient } = await import("@azure/keyvault-keys");
  const { httpClient, credential } = await ctx.sdkTransport(kind);
  const pipeline = { httpClient, retryOptions: { maxRetries: 0 } };
  return {
    keys: () => new KeyClient(VAULT, credential, pipeline),
    crypto: (name) => new CryptographyClient(`${VAULT}/keys/${name}/${VERSION}`, credential, pipeline),
  };
}

const ourClient = (ctx, extra = {}) => new ctx.core.KeyVaultClient(VAULT, { getToken: fixedGetToken, fetch: ctx.net.fetch, ...extra });

/**
 * Every case. `make(ctx)` returns the function that does one call. `measure` lists the parts that
 * run it (default: all three); `available(ctx)` (optional) decides at run time whether the built
 * package can run it, and returns a reason when it cannot.
 */
export const CASES = [
  // GET a key
  {
    id: "floor:get-key",
    op: "get-key",
    kind: "floor",
    label: "fetch + res.json()",
    make: (ctx) => async () => {
      const res = await floorCall(ctx, `/keys/ec/${VERSION}`);
      if (!res.ok) throw new Error(`floor getKey ${res.status}`);
      return res.json();
    },
  },
  {
    id: "ours:client.fetch",
    op: "get-key",
    kind: "ours",
    label: "client.fetch + res.json()",
    goal: true,
    make: (ctx) => {
      const client = ourClient(ctx);
      return async () => {
        const res = await client.fetch(`/keys/ec/${VERSION}`);
        if (!res.ok) throw new Error(`client.fetch ${res.status}`);
        return res.json();
      };
    },
  },
  {
    id: "ours:client.fetch+onEvent",
    op: "get-key",
    kind: "ours",
    label: "client.fetch + res.json(), onEvent: a no-op",
    hookOf: "ours:client.fetch",
    available: async (ctx) =>
      (await acceptsOnEvent(ctx)) ? undefined : "the built KeyVaultClient does not call an `onEvent` option (not implemented yet)",
    make: (ctx) => {
      const client = ourClient(ctx, { onEvent: () => {} });
      return async () => {
        const res = await client.fetch(`/keys/ec/${VERSION}`);
        if (!res.ok) throw new Error(`client.fetch ${res.status}`);
        return res.json();
      };
    },
  },
  {
    // request() is a standalone function since the core's rework (a method of the client before it).
    id: "ours:request",
    op: "get-key",
    kind: "ours",
    label: 'request(client, "GET", …)',
    make: (ctx) => {
      const client = ourClient(ctx);
      const path = `/keys/ec/${VERSION}`;
      return typeof ctx.core.request === "function" ? () => ctx.core.request(client, "GET", path) : () => client.request("GET", path);
    },
  },
  {
    id: "ours:getKey",
    op: "get-key",
    kind: "ours",
    label: "getKey (keyvault-fetch/keys)",
    goal: true,
    make: (ctx) => {
      const client = ourClient(ctx);
      return () => ctx.keys.getKey(client, "ec", VERSION);
    },
  },
  {
    id: "sdk-direct:get-key",
    op: "get-key",
    kind: "sdk-direct",
    label: "KeyClient.getKey",
    make: async (ctx) => {
      const c = (await sdkClients(ctx, "sdk-direct")).keys();
      return () => c.getKey("ec", { version: VERSION });
    },
  },
  {
    id: "sdk-fetch:get-key",
    op: "get-key",
    kind: "sdk-fetch",
    label: "KeyClient.getKey",
    make: async (ctx) => {
      const c = (await sdkClients(ctx, "sdk-fetch")).keys();
      return () => c.getKey("ec", { version: VERSION });
    },
  },

  // sign
  {
    id: "floor:sign",
    op: "sign",
    kind: "floor",
    label: "fetch + res.json(), base64url both ways",
    make: (ctx) => async () => {
      const res = await floorCall(ctx, `/keys/ec/${VERSION}/sign`, { alg: "ES256", value: ctx.core.base64UrlEncode(DIGEST) });
      if (!res.ok) throw new Error(`floor sign ${res.status}`);
      const j = await res.json();
      return { kid: j.kid, result: ctx.core.base64UrlDecode(j.value) };
    },
  },
  {
    id: "ours:sign",
    op: "sign",
    kind: "ours",
    label: "sign (keyvault-fetch/keys)",
    goal: true,
    make: (ctx) => {
      const client = ourClient(ctx);
      return () => ctx.keys.sign(client, `ec/${VERSION}`, "ES256", DIGEST);
    },
  },
  {
    id: "sdk-direct:sign",
    op: "sign",
    kind: "sdk-direct",
    label: "CryptographyClient.sign",
    make: async (ctx) => {
      const c = (await sdkClients(ctx, "sdk-direct")).crypto("ec");
      return () => c.sign("ES256", DIGEST);
    },
  },
  {
    id: "sdk-fetch:sign",
    op: "sign",
    kind: "sdk-fetch",
    label: "CryptographyClient.sign",
    make: async (ctx) => {
      const c = (await sdkClients(ctx, "sdk-fetch")).crypto("ec");
      return () => c.sign("ES256", DIGEST);
    },
  },

  // encrypt (CPU time only: the same exchange as sign with other bytes)
  {
    id: "floor:encrypt",
    op: "encrypt",
    kind: "floor",
    label: "fetch + res.json(), base64url both ways",
    measure: ["cpu"],
    make: (ctx) => async () => {
      const res = await floorCall(ctx, `/keys/rsa/${VERSION}/encrypt`, { alg: "RSA-OAEP-256", value: ctx.core.base64UrlEncode(PLAINTEXT) });
      if (!res.ok) throw new Error(`floor encrypt ${res.status}`);
      const j = await res.json();
      return { kid: j.kid, result: ctx.core.base64UrlDecode(j.value) };
    },
  },
  {
    id: "ours:encrypt",
    op: "encrypt",
    kind: "ours",
    label: "encrypt (keyvault-fetch/keys)",
    measure: ["cpu"],
    make: (ctx) => {
      const client = ourClient(ctx);
      return () => ctx.keys.encrypt(client, `rsa/${VERSION}`, "RSA-OAEP-256", PLAINTEXT);
    },
  },
  {
    id: "sdk-direct:encrypt",
    op: "encrypt",
    kind: "sdk-direct",
    label: "CryptographyClient.encrypt",
    measure: ["cpu"],
    make: async (ctx) => {
      const c = (await sdkClients(ctx, "sdk-direct")).crypto("rsa");
      return () => c.encrypt({ algorithm: "RSA-OAEP-256", plaintext: PLAINTEXT });
    },
  },
  {
    id: "sdk-fetch:encrypt",
    op: "encrypt",
    kind: "sdk-fetch",
    label: "CryptographyClient.encrypt",
    measure: ["cpu"],
    make: async (ctx) => {
      const c = (await sdkClients(ctx, "sdk-fetch")).crypto("rsa");
      return () => c.encrypt({ algorithm: "RSA-OAEP-256", plaintext: PLAINTEXT });
    },
  },
];

/** The cases a part runs. */
export const casesFor = (part) => CASES.filter((c) => !c.measure || c.measure.includes(part));
export const caseById = (id) => {
  const c = CASES.find((k) => k.id === id);
  if (!c) throw new Error(`unknown bench case ${id}`);
  return c;
};

/**
 * Whether the built client calls an `onEvent` option (the observability hook, added later):
 * one client with a counting hook, on a vault this isolate has not met (so the call makes a
 * challenge round trip and a token request too, whatever the hook reports).
 */
async function acceptsOnEvent(ctx) {
  let calls = 0;
  const probe = new ctx.core.KeyVaultClient(VAULT.replace("cpu-bench", "cpu-bench-probe"), {
    getToken: fixedGetToken,
    fetch: cannedFetch,
    onEvent: () => {
      calls++;
    },
  });
  const res = await probe.fetch(`/keys/ec/${VERSION}`);
  await res.text();
  return calls > 0;
}

/**
 * Makes a case's call function, checked: the first call's answer must be what the op expects.
 * Returns `{ skipped }` when the case cannot run on this build. Transports that hold answers are
 * released until the first call settles.
 */
export async function prepareCase(ctx, c) {
  if (c.available) {
    const why = await c.available(ctx);
    if (why) return { skipped: why };
  }
  const fn = await c.make(ctx);
  const first = await settle(ctx, fn());
  if (!OPS[c.op].check(first)) throw new Error(`${c.id}: unexpected answer ${JSON.stringify(first).slice(0, 200)}`);
  return { fn };
}

/** Awaits a call, releasing held answers as it reaches the transport (no-op when answers are instant). */
export async function settle(ctx, promise) {
  if (!ctx.net.release) return promise;
  let done = false;
  const p = promise.finally(() => {
    done = true;
  });
  p.catch(() => {});
  while (!done) {
    await new Promise((r) => setImmediate(r));
    ctx.net.release();
  }
  return p;
}

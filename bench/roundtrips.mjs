// Part 2: round trips. Counts the requests that reach the emulated vault and its emulated Entra
// authority, for keyvault-fetch and for the official SDK, in the same scenarios. Every scenario gets
// a fresh emulator (a vault this process has never met) and a fresh token source.
import { ClientSecretCredential } from "@azure/identity";
import { CryptographyClient } from "@azure/keyvault-keys";
import { httpClientFor } from "./azure-adapter.mjs";

const KEY = "signer";
const digest = new Uint8Array(32).fill(5);

/** The scenarios, each run once per contender; `ctx` gives `newClient()` and `call(client)`. */
export const SCENARIOS = [
  { id: "cold-1", label: "1 call, cold client", run: (ctx) => concurrent(ctx, 1) },
  { id: "cold-10", label: "10 concurrent first calls, cold client", run: (ctx) => concurrent(ctx, 10) },
  { id: "cold-100", label: "100 concurrent first calls, cold client", run: (ctx) => concurrent(ctx, 100) },
  {
    id: "workers-10",
    label: "10 sequential calls, a new client each (Workers pattern)",
    run: async (ctx) => {
      for (let i = 0; i < 10; i++) await ctx.call(ctx.newClient());
    },
  },
  {
    id: "token-expiry",
    label: "10 calls, token expires (clock +61 min), 10 calls",
    run: async (ctx) => {
      const c = ctx.newClient();
      for (let i = 0; i < 10; i++) await ctx.call(c);
      ctx.clock.advance(61 * 60_000);
      for (let i = 0; i < 10; i++) await ctx.call(c);
    },
  },
  {
    id: "cae",
    label: "5 calls, sessions revoked (CAE challenge), 5 calls",
    run: async (ctx) => {
      const c = ctx.newClient();
      for (let i = 0; i < 5; i++) await ctx.call(c);
      ctx.emulator.revokeSessions();
      for (let i = 0; i < 5; i++) await ctx.call(c);
    },
  },
];

async function concurrent(ctx, n) {
  const c = ctx.newClient();
  await Promise.all(Array.from({ length: n }, () => ctx.call(c)));
}

/** A clock that can jump forward: replaces the global Date (used by every library here) while a scenario runs. */
function installClock() {
  const RealDate = globalThis.Date;
  let offset = 0;
  class ShiftedDate extends RealDate {
    /** @param {any[]} args */
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(.../** @type {[string]} */ (args));
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = /** @type {DateConstructor} */ (/** @type {unknown} */ (ShiftedDate));
  return {
    advance(ms) {
      offset += ms;
    },
    restore() {
      globalThis.Date = RealDate;
    },
  };
}

/** The two contenders: how to make a client for an emulator and make one call (sign a digest). */
function contenders(core, keys, entra) {
  return {
    "keyvault-fetch": (emulator) => {
      // One token provider per scenario, made once and shared by every client, as in a Worker.
      const getToken = entra.fromClientSecret({
        tenantId: emulator.tenantId,
        clientId: emulator.clientId,
        clientSecret: emulator.clientSecret,
        authorityHost: emulator.authorityHost,
        fetch: emulator.fetch,
      });
      return {
        newClient: () => new core.KeyVaultClient(emulator.vaultUrl, { getToken, fetch: emulator.fetch }),
        call: (client) => keys.sign(client, KEY, "ES256", digest),
      };
    },
    "@azure/keyvault-keys": (emulator) => {
      const httpClient = httpClientFor(emulator.fetch);
      const credential = new ClientSecretCredential(emulator.tenantId, emulator.clientId, emulator.clientSecret, {
        authorityHost: emulator.authorityHost,
        disableInstanceDiscovery: true,
        httpClient,
      });
      return {
        newClient: () => new CryptographyClient(`${emulator.vaultUrl}/keys/${KEY}`, credential, { httpClient }),
        call: (client) => client.sign("ES256", digest),
      };
    },
  };
}

/**
 * Runs every scenario for both contenders.
 * @returns {Promise<{ scenario: string; label: string; contender: string; vault: number; challenges: number; authority: number; errors: number }[]>}
 */
export async function roundTrips({ dist }) {
  const core = await import(`${dist}/index.js`);
  const keys = await import(`${dist}/keys.js`);
  const entra = await import(`${dist}/entra.js`);
  const { createEmulator } = await import("@keyvault-fetch/emulator");
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const results = [];
  let n = 0;
  for (const scenario of SCENARIOS) {
    for (const [contender, make] of Object.entries(contenders(core, keys, entra))) {
      const emulator = createEmulator({ name: `rt${run}n${n++}` });
      // The key is made by a throwaway client; then the isolate forgets this vault's challenge.
      const setup = new core.KeyVaultClient(emulator.vaultUrl, { getToken: (r) => emulator.getToken(r), fetch: emulator.fetch });
      await keys.createEcKey(setup, KEY, { curve: "P-256" });
      core.clearChallengeCache(emulator.vaultUrl);
      const from = emulator.requests.length;
      const clock = installClock();
      let errors = 0;
      try {
        const base = make(emulator);
        const ctx = {
          ...base,
          emulator,
          clock,
          call: (c) =>
            base.call(c).catch((e) => {
              errors++;
              if (errors === 1) console.error(`  ${scenario.id} ${contender}: ${e.message}`);
            }),
        };
        await scenario.run(ctx);
      } finally {
        clock.restore();
      }
      const log = emulator.requests.slice(from);
      const toVault = log.filter((r) => r.target === "vault");
      results.push({
        scenario: scenario.id,
        label: scenario.label,
        contender,
        vault: toVault.length,
        challenges: toVault.filter((r) => r.status === 401).length,
        authority: log.filter((r) => r.target === "authority").length,
        errors,
      });
    }
  }
  return results;
}

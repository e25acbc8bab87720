// Part 3: CPU per call. getKey, sign and encrypt against a vault that answers instantly with canned
// bytes, for: a hand-written fetch with a fixed token (the floor), keyvault-fetch, and the official SDK.
import { Bench } from "tinybench";
import { KeyClient as AzureKeyClient, CryptographyClient } from "@azure/keyvault-keys";
import { VAULT, VERSION, TOKEN, cannedFetch, fixedCredential } from "./canned.mjs";
import { cannedHttpClient, httpClientFor } from "./azure-adapter.mjs";

const API = "api-version=2025-07-01";

/**
 * Runs getKey / sign / encrypt for the three contenders, `rounds` times each (contenders interleaved),
 * and keeps each one's best round: on a shared machine, other work only ever slows a round down.
 */
export async function cpuBench({ dist, time = 600, warmupTime = 150, rounds = 5 }) {
  const core = await import(`${dist}/index.js`);
  const keys = await import(`${dist}/keys.js`);
  const { base64UrlEncode, base64UrlDecode } = core;
  const digest = new Uint8Array(32).fill(7);
  const plaintext = new Uint8Array(32).fill(9);

  // The floor: what a careful hand-written call costs (fixed token, no challenge, no retries).
  const post = (path, body) => cannedFetch(`${VAULT}${path}?${API}`, {
    method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body),
  });
  const floor = {
    async getKey() {
      const res = await cannedFetch(`${VAULT}/keys/ec/${VERSION}?${API}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (!res.ok) throw new Error(`floor getKey ${res.status}`);
      return res.json();
    },
    async sign() {
      const res = await post(`/keys/ec/${VERSION}/sign`, { alg: "ES256", value: base64UrlEncode(digest) });
      if (!res.ok) throw new Error(`floor sign ${res.status}`);
      const j = await res.json();
      return { kid: j.kid, result: base64UrlDecode(j.value) };
    },
    async encrypt() {
      const res = await post(`/keys/rsa/${VERSION}/encrypt`, { alg: "RSA-OAEP-256", value: base64UrlEncode(plaintext) });
      if (!res.ok) throw new Error(`floor encrypt ${res.status}`);
      const j = await res.json();
      return { kid: j.kid, result: base64UrlDecode(j.value) };
    },
  };

  // keyvault-fetch: one client, challenge learned by the first call (as in a long-lived isolate).
  const getToken = () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 });
  const client = new core.KeyVaultClient(VAULT, { getToken, fetch: cannedFetch });
  const ours = {
    getKey: () => keys.getKey(client, "ec", VERSION),
    sign: () => keys.sign(client, `ec/${VERSION}`, "ES256", digest),
    encrypt: () => keys.encrypt(client, `rsa/${VERSION}`, "RSA-OAEP-256", plaintext),
  };

  // The official SDK, twice: with an HttpClient that goes through the same canned fetch (the same
  // transport cost as the others: a Response built and read, as its fetch-based client does), and
  // with one that hands it the canned text directly (its cheapest possible transport).
  const sdkWith = (httpClient) => {
    const pipeline = { httpClient, retryOptions: { maxRetries: 0 } };
    const sdkKeys = new AzureKeyClient(VAULT, fixedCredential, pipeline);
    const sdkEc = new CryptographyClient(`${VAULT}/keys/ec/${VERSION}`, fixedCredential, pipeline);
    const sdkRsa = new CryptographyClient(`${VAULT}/keys/rsa/${VERSION}`, fixedCredential, pipeline);
    return {
      getKey: () => sdkKeys.getKey("ec", { version: VERSION }),
      sign: () => sdkEc.sign("ES256", digest),
      encrypt: () => sdkRsa.encrypt({ algorithm: "RSA-OAEP-256", plaintext }),
    };
  };

  const contenders = {
    floor, "keyvault-fetch": ours,
    "@azure/keyvault-keys": sdkWith(httpClientFor(cannedFetch)),
    "@azure/keyvault-keys (direct)": sdkWith(cannedHttpClient),
  };
  // Warm every path once (challenge, key fetch) and check each answers what we think.
  for (const [name, c] of Object.entries(contenders)) {
    for (const op of ["getKey", "sign", "encrypt"]) {
      const r = await c[op]();
      if (!r) throw new Error(`${name} ${op} returned nothing`);
    }
  }

  const best = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const op of ["getKey", "sign", "encrypt"]) {
      const bench = new Bench({ time, warmupTime });
      for (const [name, c] of Object.entries(contenders)) bench.add(name, c[op]);
      await bench.run();
      for (const task of bench.tasks) {
        const r = task.result;
        if (r.state !== "completed") throw new Error(`${op} ${task.name}: ${r.state} ${("error" in r && r.error) || ""}`);
        const row = { op, contender: task.name, opsPerSec: 1000 / r.period, meanUs: r.period * 1000, rme: r.latency.rme, samples: r.latency.samplesCount, rounds };
        const key = `${op}\n${task.name}`;
        if (!best.has(key) || best.get(key).opsPerSec < row.opsPerSec) best.set(key, row);
      }
    }
  }
  return [...best.values()];
}

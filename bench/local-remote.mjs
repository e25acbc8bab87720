// Part 4: local versus remote. verifyData (ES256) and encrypt (RSA-OAEP-256) done locally with the
// cached public key (KeyHandle) against the same operation sent to the emulator over loopback HTTP,
// with 0, 5 and 50 ms of latency added to every vault answer. The emulator's own service time (the
// same call to the emulator in process, no HTTP) is measured too, so the HTTP share can be told apart.
import { Bench } from "tinybench";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @returns {Promise<{ op: string; latencyMs: number; mode: "local" | "remote" | "in-process"; meanMs: number; medianMs: number; samples: number }[]>}
 */
export async function localRemoteBench({ dist, latencies = [0, 5, 50], time = 400 }) {
  const core = await import(`${dist}/index.js`);
  const keys = await import(`${dist}/keys.js`);
  const { createEmulator } = await import("@keyvault-fetch/emulator");
  const { serveFetchHandler } = await import("@keyvault-fetch/emulator/server");

  let emulator;
  let latency = 0;
  const server = await serveFetchHandler(
    async (request) => {
      if (latency) await sleep(latency);
      return emulator.fetch(request);
    },
    { tls: false },
  );
  const results = [];
  try {
    emulator = createEmulator({ name: `lr${process.pid}`, vaultUrl: server.url });
    // Tokens come from the emulated authority in process; only vault calls cross the loopback.
    const getToken = (r) => emulator.getToken(r);
    const client = new core.KeyVaultClient(server.url, { getToken, allowInsecureLoopback: true, verifyChallengeResource: false });
    const ec = await keys.createEcKey(client, "lr-ec", { curve: "P-256" });
    const rsa = await keys.createRsaKey(client, "lr-rsa", { keySize: 2048 });
    const data = new TextEncoder().encode("local versus remote");
    const plaintext = new Uint8Array(32).fill(1);
    const { result: signature } = await keys.signData(client, ec.id, "ES256", data);
    // The same emulator, called in process: a client whose fetch is the emulator's own.
    const direct = new core.KeyVaultClient(server.url, {
      getToken,
      fetch: emulator.fetch,
      allowInsecureLoopback: true,
      verifyChallengeResource: false,
    });
    const ecHandle = new keys.KeyClient(server.url, { getToken, allowInsecureLoopback: true, verifyChallengeResource: false }).key(ec.id);
    const rsaHandle = new keys.KeyClient(server.url, { getToken, allowInsecureLoopback: true, verifyChallengeResource: false }).key(rsa.id);

    const ops = {
      verifyData: {
        local: async () => {
          const r = await ecHandle.verifyData("ES256", data, signature);
          if (!r.result || !r.local) throw new Error("local verify failed");
        },
        remote: async () => {
          const r = await keys.verifyData(client, ec.id, "ES256", data, signature);
          if (!r.result || r.local) throw new Error("remote verify failed");
        },
        "in-process": async () => {
          const r = await keys.verifyData(direct, ec.id, "ES256", data, signature);
          if (!r.result) throw new Error("in-process verify failed");
        },
      },
      encrypt: {
        local: async () => {
          const r = await rsaHandle.encrypt("RSA-OAEP-256", plaintext);
          if (!r.local) throw new Error("not local");
        },
        remote: async () => {
          const r = await keys.encrypt(client, rsa.id, "RSA-OAEP-256", plaintext);
          if (r.local) throw new Error("not remote");
        },
        "in-process": async () => {
          await keys.encrypt(direct, rsa.id, "RSA-OAEP-256", plaintext);
        },
      },
    };
    for (const op of Object.values(ops)) for (const f of Object.values(op)) await f(); // fetch and cache the public keys

    for (const ms of latencies) {
      latency = ms;
      const bench = new Bench({ time, warmupTime: Math.min(100, time / 4), iterations: 5, warmupIterations: 2 });
      for (const [name, op] of Object.entries(ops)) {
        bench.add(`${name} local`, op.local);
        bench.add(`${name} remote`, op.remote);
        // the emulator's own time does not depend on the added latency: measured once
        if (ms === latencies[0]) bench.add(`${name} in-process`, op["in-process"]);
      }
      await bench.run();
      for (const task of bench.tasks) {
        const r = task.result;
        if (r.state !== "completed") throw new Error(`${task.name}: ${r.state} ${("error" in r && r.error) || ""}`);
        const [op, mode] = /** @type {[string, "local" | "remote" | "in-process"]} */ (task.name.split(" "));
        // the median resists the stalls other work on a shared machine causes
        results.push({ op, latencyMs: ms, mode, meanMs: r.period, medianMs: r.latency.p50, samples: r.latency.samplesCount });
      }
    }
  } finally {
    await server.close();
  }
  return results;
}

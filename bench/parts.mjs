// The parts of `npm run bench`, in the order they run. Each part measures one thing and says how
// to report it:
//   name      what `--only` takes
//   key       where its figures go in the results object (and in bench/.last-run.json)
//   run(o)    measures; o = { root, dist, quick }; returns JSON-able figures
//   section   optional: { render(results, out) } writes its RESULTS.md section, see report.mjs
//             (out.line, out.goal, out.loss, out.skip); also svg(results) -> panels, headline(results) -> sentences
//   timing    its figures are times: it runs alone, after the others (nothing else of the bench running)
//   background  it starts first and runs while the parts without `timing` run (its figures, like
//             theirs, do not depend on the machine's load): the callgrind part, most of the run's time
// A part whose section reads other parts' figures (the per-call section reads cpu, instructions and
// heap) renders with what is there. To add a part (e.g. keyvault-fetch/secrets): write its module
// with run + section, and add one entry here.
import { measureBundles, measureModules } from "./bundles.mjs";
import { bytesSection, roundTripsSection, perCallSection, localRemoteSection, startupSection, panel } from "./report.mjs";
import { renderSecretsMarkdown } from "./secrets.mjs";
import { CASES } from "./cases.mjs";

const QUICK_CASES = CASES.filter((c) => c.goal || c.kind === "floor" || c.kind === "sdk-direct").map((c) => c.id);

/** keyvault-fetch/secrets (bench/secrets.mjs renders its own tables): its section, losses and chart panel. */
const secretsSection = {
  render(r, out) {
    if (!r.secrets) return;
    out.heading("Secrets");
    for (const line of renderSecretsMarkdown(r.secrets).split("\n").slice(2)) out.line(line);
    const sdk = r.secrets.bytes.find((b) => !b.ours);
    for (const b of r.secrets.bytes)
      if (b.ours && sdk && b.gzip >= sdk.gzip)
        out.loss(`Secrets bytes: ${b.label} (${b.gzip} B gzip) is not smaller than ${sdk.label} (${sdk.gzip} B).`);
    const none = r.secrets.requests.find((q) => q.mode === "none");
    for (const q of r.secrets.requests)
      if (none && q !== none && q.azureRequests > none.azureRequests)
        out.loss(`Secrets: "${q.label}" sent ${q.azureRequests} requests to Azure, more than without a cache (${none.azureRequests}).`);
  },
  svg(r) {
    if (!r.secrets) return [];
    return [
      panel(
        "Secrets: requests to Azure for 100 Worker requests",
        "10 isolates (miniflare) reading one secret; fewer is better",
        r.secrets.requests.map((q) => ({ label: q.label, value: q.azureRequests, ours: q.mode !== "none", base: q.mode === "none" })),
        (v) => String(v),
      ),
    ];
  },
};

/** Where the bytes of `client.fetch` and of a sign-and-verify app go, by source module. */
const modulesSection = {
  render(r, out) {
    if (!r.bytesByModule) return;
    out.heading("Where the bytes go");
    out.line(
      "Minified bytes each source module adds to a bundle (esbuild's own account, built from `src/` with the bytes part's settings):",
    );
    out.line();
    for (const b of r.bytesByModule) {
      const share = (n) => `${((100 * n) / b.minified).toFixed(0)} %`;
      out.line(
        `- ${b.label} (${b.minified.toLocaleString("en-US")} B minified, ${b.gzip.toLocaleString("en-US")} B gzip): ${b.modules.map((m) => `${m.file.replace(/^src\//, "")} ${m.bytes.toLocaleString("en-US")} B (${share(m.bytes)})`).join(", ")}.`,
      );
    }
    const cf = r.bytesByModule.find((b) => b.id === "client-fetch");
    if (cf && cf.gzip > 6144) {
      const top = cf.modules.slice(0, 3).map((m) => `${m.file.replace(/^src\//, "")} (${((100 * m.bytes) / cf.minified).toFixed(0)} %)`);
      out.loss(
        `Bytes: the 6.0 KB goal for \`client.fetch\` is missed by ${(cf.gzip - 6144).toLocaleString("en-US")} B gzip; most of it is ${top.join(", ")} (see "Where the bytes go").`,
      );
    }
  },
};

export const PARTS = [
  { name: "bytes", key: "bytes", run: ({ root }) => measureBundles(root), section: bytesSection },
  { name: "bytes-by-module", key: "bytesByModule", run: ({ root }) => measureModules(root), section: modulesSection },
  {
    name: "roundtrips",
    key: "roundTrips",
    section: roundTripsSection,
    run: async ({ dist }) => (await import("./roundtrips.mjs")).roundTrips({ dist }),
  },
  {
    name: "cpu",
    key: "cpu",
    section: perCallSection,
    timing: true,
    run: async ({ dist, quick }) =>
      (await import("./cpu.mjs")).cpuBench({ dist, ...(quick ? { time: 200, warmupTime: 60, rounds: 2 } : {}) }),
  },
  {
    name: "instructions",
    key: "instructions",
    background: true,
    // --quick: only what the goals need (the goal cases, the floors, the SDK direct), shorter
    run: async ({ dist, quick }) =>
      (await import("./instructions.mjs")).instructionsBench({
        dist,
        ...(quick ? { warmup: 1500, region: 120, regions: 3, only: QUICK_CASES } : {}),
      }),
  },
  {
    name: "heap",
    key: "heap",
    run: async ({ dist, quick }) => (await import("./heap.mjs")).heapBench({ dist, ...(quick ? { k: 300, rounds: 3, warmup: 100 } : {}) }),
  },
  {
    name: "local-remote",
    key: "localRemote",
    section: localRemoteSection,
    timing: true,
    run: async ({ dist, quick }) => (await import("./local-remote.mjs")).localRemoteBench({ dist, ...(quick ? { time: 150 } : {}) }),
  },
  {
    name: "startup",
    key: "startup",
    section: startupSection,
    timing: true,
    run: async ({ root, quick }) => (await import("./startup.mjs")).startupBench({ root, ...(quick ? { rounds: 2 } : {}) }),
  },
  {
    name: "secrets",
    key: "secrets",
    section: secretsSection,
    run: async ({ root }) => (await import("./secrets.mjs")).secretsBench({ root }),
  },
];

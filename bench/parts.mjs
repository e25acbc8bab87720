// The parts of `npm run bench`, in the order they run. Each part measures one thing and says how
// to report it:
//   name      what `--only` takes
//   key       where its figures go in the results object (and in bench/.last-run.json)
//   run(o)    measures; o = { root, dist, quick }; returns JSON-able figures
//   section   optional: { render(results, out) } writes its RESULTS.md section, see report.mjs
//             (out.line, out.goal, out.loss, out.skip); also svg(results) -> panels, headline(results) -> sentences
// A part whose section reads other parts' figures (the per-call section reads cpu, instructions and
// heap) renders with what is there. To add a part (e.g. keyvault-fetch/secrets): write its module
// with run + section, and add one entry here.
import { measureBundles } from "./bundles.mjs";
import { bytesSection, roundTripsSection, perCallSection, localRemoteSection, startupSection } from "./report.mjs";

export const PARTS = [
  { name: "bytes", key: "bytes", run: ({ root }) => measureBundles(root), section: bytesSection },
  {
    name: "roundtrips", key: "roundTrips", section: roundTripsSection,
    run: async ({ dist }) => (await import("./roundtrips.mjs")).roundTrips({ dist }),
  },
  {
    name: "cpu", key: "cpu", section: perCallSection,
    run: async ({ dist, quick }) => (await import("./cpu.mjs")).cpuBench({ dist, ...(quick ? { time: 200, warmupTime: 60, rounds: 2 } : {}) }),
  },
  {
    name: "instructions", key: "instructions",
    run: async ({ dist, quick }) => (await import("./instructions.mjs")).instructionsBench({ dist, ...(quick ? { warmup: 1500, region: 120, regions: 3 } : {}) }),
  },
  {
    name: "heap", key: "heap",
    run: async ({ dist, quick }) => (await import("./heap.mjs")).heapBench({ dist, ...(quick ? { k: 300, rounds: 3, warmup: 100 } : {}) }),
  },
  {
    name: "local-remote", key: "localRemote", section: localRemoteSection,
    run: async ({ dist, quick }) => (await import("./local-remote.mjs")).localRemoteBench({ dist, ...(quick ? { time: 150 } : {}) }),
  },
  {
    name: "startup", key: "startup", section: startupSection,
    run: async ({ root, quick }) => (await import("./startup.mjs")).startupBench({ root, ...(quick ? { rounds: 2 } : {}) }),
  },
];

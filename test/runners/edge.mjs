// Edge leg: the suite in Vercel's Edge Runtime, the sandbox of the `edge-runtime` npm package (the
// runtime of Vercel Edge Functions and Next.js middleware, as `next dev` runs it): a V8 context with
// only the Web APIs an Edge Function has, no `eval`, no Node built-ins. The library and the suite
// go in as one classic script, bundled as Next.js bundles an Edge Function (test/build.mjs: edge.js).
import { EdgeRuntime } from "edge-runtime";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export async function run(filter) {
  const runtime = new EdgeRuntime({ initialCode: readFileSync(join(process.env.KVF_TEST_OUT, "edge.js"), "utf8") });
  // The result is made in the sandbox's realm: it crosses as JSON.
  const json = await runtime.evaluate(
    `kvfEdgeSuite.run("edge", ${JSON.stringify(filter ?? "")} || undefined).then((r) => JSON.stringify(r))`,
  );
  return JSON.parse(json);
}

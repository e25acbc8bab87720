// workerd leg: the whole bundle runs as a module Worker in miniflare, without nodejs_compat.
import { Miniflare } from "miniflare";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export async function run(filter) {
  const bundle = readFileSync(join(process.env.KVF_TEST_OUT, "all.js"), "utf8");
  const script = `${bundle}
export default {
  async fetch(request) {
    const filter = new URL(request.url).searchParams.get("filter") || undefined;
    const result = await run("workerd", filter);
    return Response.json(result);
  },
};`;
  const mf = new Miniflare({ modules: true, script, compatibilityDate: "2025-09-01" });
  try {
    const url = new URL("http://localhost/");
    if (filter) url.searchParams.set("filter", filter);
    const res = await mf.dispatchFetch(url);
    const text = await res.text();
    if (!res.ok) throw new Error(`workerd answered ${res.status}: ${text.slice(0, 2000)}`);
    return JSON.parse(text);
  } finally {
    await mf.dispose();
  }
}

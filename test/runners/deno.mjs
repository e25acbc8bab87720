// Deno leg: the bundle runs under the `deno` npm package's binary with no permissions at all.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { childResult, PRINT_RESULT } from "./child-result.mjs";

function denoBinary() {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve("deno/package.json"));
  return join(pkg, "bin.cjs");
}

export async function run(filter) {
  const entry = join(process.env.KVF_TEST_OUT, "deno-entry.mjs");
  writeFileSync(
    entry,
    `import { run } from "./all.js";
const result = await run("deno", ${JSON.stringify(filter ?? "")} || undefined);
${PRINT_RESULT}\n`,
  );
  return childResult("deno", process.execPath, [denoBinary(), "run", "--no-prompt", "--no-config", "--no-lock", entry], {
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
}

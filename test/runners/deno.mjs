// Deno leg: the bundle runs under the `deno` npm package's binary with no permissions at all.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { denoExecutable } from "../processes.mjs";
import { childResult, PRINT_RESULT } from "./child-result.mjs";

export async function run(filter) {
  const entry = join(process.env.KVF_TEST_OUT, "deno-entry.mjs");
  writeFileSync(
    entry,
    `import { run } from "./all.js";
const result = await run("deno", ${JSON.stringify(filter ?? "")} || undefined);
${PRINT_RESULT}\n`,
  );
  return childResult("deno", denoExecutable(), ["run", "--no-prompt", "--no-config", "--no-lock", entry], {
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
}

// Deno leg: the bundle runs under the `deno` npm package's binary with no permissions at all.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { denoExecutable } from "../processes.mjs";

export async function run(filter) {
  const entry = join(process.env.KVF_TEST_OUT, "deno-entry.mjs");
  writeFileSync(
    entry,
    `import { run } from "./all.js";
const result = await run("deno", ${JSON.stringify(filter ?? "")} || undefined);
console.log("@@RESULT@@" + JSON.stringify(result));\n`,
  );
  const child = spawn(denoExecutable(), ["run", "--no-prompt", "--no-config", "--no-lock", entry], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  let stdout = "",
    stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((r) => child.on("close", r));
  const line = stdout.split("\n").find((l) => l.startsWith("@@RESULT@@"));
  if (!line) throw new Error(`deno exited with ${code} and no result:\n${stderr.slice(-3000)}\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice("@@RESULT@@".length));
}

// The Deno and Bun legs run the suite in a child process that prints its result as one line,
// `@@RESULT@@{json}`; anything else it prints is kept for the error when that line never comes.
import { spawn } from "node:child_process";

/** The entry's closing line: hand `result` to JSON and print it with the marker. */
export const PRINT_RESULT = `console.log("@@RESULT@@" + JSON.stringify(result));`;

/** Runs `command args` and resolves with the result line it printed. */
export async function childResult(name, command, args, options = {}) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "",
    stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((r) => child.on("close", r));
  const line = stdout.split("\n").find((l) => l.startsWith("@@RESULT@@"));
  if (!line) throw new Error(`${name} exited with ${code} and no result:\n${stderr.slice(-3000)}\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice("@@RESULT@@".length));
}

// One official-SDK client script (test/node/official-sdk*-client.mjs) run in a child process
// against an emulator server over HTTPS, trusting the server's certificate: what the child asks of
// the server mid-run is done and answered, each check it prints (one JSON line) is collected, and
// what crossed the wire right after each request is kept for the tests to read.
import * as assert from "../suite/assert.js";
import type { EmulatorServer } from "@keyvault-fetch/emulator/server";
import { runNodeScript } from "./child.js";

/** One check as the child reports it. */
export interface Report {
  check: string;
  ok: boolean;
  error?: string;
}
export interface SdkRun {
  reports: Map<string, Report>;
  /** For each request the child made: the next three exchanges the server saw (`target METHOD status`). */
  after: Record<string, string[]>;
}
/** What the child may ask of the test process mid-run (`{"request": "name argument"}`); the answer is written back to it. */
export type SdkRequests = Record<string, (server: EmulatorServer, argument: string) => string | Promise<string>>;

/**
 * Runs `script` against `server`, then closes the server (its `emulator.requests` stay readable), and
 * collects the script's reports; throws when it reported nothing.
 * @example
 * const { reports } = await runSdkScript("test/node/official-sdk-client.mjs", server, { requests: { "revoke-sessions": (s) => (s.emulator.revokeSessions(), "done") } });
 */
export async function runSdkScript(
  script: string,
  server: EmulatorServer,
  options: { requests?: SdkRequests; timeoutMs?: number } = {},
): Promise<SdkRun> {
  const requests = options.requests ?? {};
  const marks: Record<string, number> = {};
  const out = await runNodeScript(script, {
    certificate: server.certificate!,
    resolveLocalhost: true,
    env: server.env,
    timeoutMs: options.timeoutMs ?? 60_000,
    onLine: (line, reply) => {
      const request: unknown = line.startsWith("{") ? JSON.parse(line).request : undefined;
      if (typeof request !== "string") return;
      const [name = "", argument = ""] = request.split(" ");
      const handle = requests[name];
      if (!handle) return;
      marks[name] = server.emulator.requests.length;
      void Promise.resolve()
        .then(() => handle(server, argument))
        .then(reply, (e) => reply(`failed: ${e}`));
    },
  })
    .catch((e: Error) => ({ stdout: e.message, stderr: "" }))
    .finally(() => server.close());
  const reports = new Map<string, Report>();
  for (const line of out.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line) as Report;
    if (typeof r.check === "string") reports.set(r.check, r);
  }
  if (reports.size === 0) throw new Error(`the SDK run reported nothing:\n${out.stdout}`);
  const after = Object.fromEntries(
    Object.entries(marks).map(([request, at]) => [
      request,
      server.emulator.requests.slice(at, at + 3).map((r) => `${r.target} ${r.method} ${r.status}`),
    ]),
  );
  return { reports, after };
}

/** Fails the test unless the child reported `check` as passed (with the child's error when it failed). */
export function assertPassed(run: SdkRun, check: string): void {
  const report = run.reports.get(check);
  assert.ok(report, "reported");
  if (!report.ok) throw new Error(report.error);
}

// Runs Node code in a child process: the only way to make Node trust a certificate for all of
// its clients (NODE_EXTRA_CA_CERTS is read at start), and a clean room for the official SDK.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the bundle runs from test/.out/…, so walk up to our package.json). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "keyvault-fetch") return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export interface ChildOptions {
  /** PEM certificate the child trusts (through NODE_EXTRA_CA_CERTS) */
  certificate?: string;
  /** resolve every *.localhost name to loopback, as RFC 6761 asks (this machine's resolver does not) */
  resolveLocalhost?: boolean;
  env?: Record<string, string>;
  args?: string[];
  timeoutMs?: number;
  /** called for each line the child prints; `reply` writes a line to its stdin */
  onLine?: (line: string, reply: (text: string) => void) => void;
}

export interface ChildResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs an ES module given as source text; rejects with its stderr when it exits non-zero. */
export function runNode(source: string, options: ChildOptions = {}): Promise<ChildResult> {
  return runNodeArgs(["--input-type=module", "-e", source], options);
}

/** Runs a script file (path relative to the repository root) with arguments. */
export function runNodeScript(path: string, options: ChildOptions = {}): Promise<ChildResult> {
  return runNodeArgs([join(repoRoot(), path), ...(options.args ?? [])], options);
}

function runNodeArgs(args: string[], options: ChildOptions): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), "kvf-child-"));
  // A clean slate: no vault settings or certificates leak in from the developer's shell.
  const env: Record<string, string> = Object.fromEntries(
    Object.entries(process.env as Record<string, string>).filter(
      ([k]) => !/^(KEYVAULT_|AZURE_|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$)/.test(k),
    ),
  );
  Object.assign(env, options.env);
  if (options.certificate) {
    env.NODE_EXTRA_CA_CERTS = join(dir, "ca.pem");
    writeFileSync(env.NODE_EXTRA_CA_CERTS, options.certificate);
  }
  const pre: string[] = [];
  if (options.resolveLocalhost) pre.push("--import", join(repoRoot(), "test/node/resolve-localhost.mjs"));
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [...pre, ...args],
      { env, cwd: repoRoot(), timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true }); // the child's certificate copy: nothing left in the temp folder
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        if (error) reject(new Error(`child exited with ${code}${error.killed ? " (killed: timeout)" : ""}\n${stderr}\n${stdout}`.trim()));
        else resolve({ stdout, stderr, code });
      },
    );
    if (options.onLine) {
      let pending = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        pending += chunk;
        for (let i = pending.indexOf("\n"); i >= 0; i = pending.indexOf("\n")) {
          const line = pending.slice(0, i);
          pending = pending.slice(i + 1);
          options.onLine!(line, (text) => child.stdin!.write(text + "\n"));
        }
      });
    } else child.stdin!.end();
  });
}

// The processes a test run starts: how tests end them, and how the run finds any left alive.
// test/run.mjs marks the run with a unique KVF_TEST_RUN in its environment; every process it starts
// inherits it, and so do their children, even once orphaned and re-parented to init (where a walk
// of the runner's descendants no longer sees them). A child started with an environment built from
// scratch carries it through `runMarker()`. `runProcesses()` finds the marked processes through
// /proc/<pid>/environ, so the check sees this run's processes only, never another run's.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

const MARKER = "KVF_TEST_RUN";

/** Gives this process (and every process it starts from now on) a fresh run marker; returns it. */
export function markRun() {
  const id = `${process.pid}-${randomUUID()}`;
  process.env[MARKER] = id;
  return id;
}

/** The marker as an environment entry, for a child whose environment is built from scratch. */
export function runMarker() {
  const id = process.env[MARKER];
  return id ? { [MARKER]: id } : {};
}

/** Process ids from this one up to init: never reported (the runner and what started it). */
function ownLine() {
  const pids = new Set();
  for (let pid = process.pid; pid > 1 && !pids.has(pid); ) {
    pids.add(pid);
    try {
      pid = Number(statFields(pid)[1]);
    } catch {
      break;
    }
  }
  return pids;
}

/**
 * The live processes of the run marked `id` (default: this one), other than this process and its
 * ancestors: `{ pid, ppid, args }[]`. Returns a string saying why it cannot tell instead (no marker,
 * or no /proc: only Linux exposes other processes' environments this way).
 * @example
 * const left = runProcesses();
 * if (typeof left !== "string") for (const p of left) console.log(p.pid, p.args);
 * @param {string} [id]
 * @returns {{ pid: number, ppid: number, args: string }[] | string}
 */
export function runProcesses(id = process.env[MARKER]) {
  if (!id) return `${MARKER} is not set: run through test/run.mjs, which marks the run`;
  let pids;
  try {
    pids = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return `no /proc on ${process.platform}: the run's processes cannot be found by their environment here`;
  }
  const entry = `\0${MARKER}=${id}\0`;
  const own = ownLine();
  const found = [];
  for (const name of pids) {
    const pid = Number(name);
    if (own.has(pid)) continue;
    try {
      // Another user's process cannot be read, and a zombie's environment is empty: neither is ours.
      if (!`\0${readFileSync(`/proc/${pid}/environ`, "latin1")}`.includes(entry)) continue;
      found.push({ pid, ppid: Number(statFields(pid)[1]), args: commandLine(pid) });
    } catch {
      /* gone since the listing, or not ours to read */
    }
  }
  return found;
}

/**
 * Ends a child and waits for its exit: `signal` (SIGTERM by default), then SIGKILL if it is still
 * running after `graceMs`. Resolves at once for a child that has exited.
 * @example
 * const child = spawn(denoExecutable(), ["run", "server.ts"]);
 * try { … } finally { await stopProcess(child); }
 * @param {import("node:child_process").ChildProcess} child
 * @param {{ signal?: NodeJS.Signals, graceMs?: number }} [options]
 */
export async function stopProcess(child, { signal = "SIGTERM", graceMs = 5_000 } = {}) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  const grace = new AbortController();
  const late = await Promise.race([exited.then(() => false), sleep(graceMs, true, { signal: grace.signal })]);
  grace.abort();
  if (late) {
    child.kill("SIGKILL");
    await exited;
  }
}

/** `/proc/<pid>/stat` after the command name: state, ppid, process group, … */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8"); // "pid (comm) state ppid pgrp …"; comm may hold ") "
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** A process's command line, its arguments joined by spaces. */
function commandLine(pid) {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0+$/, "").replaceAll("\0", " ");
}

/**
 * The running processes of process group `pgid`, as "pid command line"; undefined without /proc.
 * A zombie stays in its group until its parent (init, for an orphan) reaps it, which some inits do
 * late or never; it runs nothing, so it does not count.
 */
function groupMembers(pgid) {
  let pids;
  try {
    pids = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  const members = [];
  for (const pid of pids) {
    try {
      const [state, , pgrp] = statFields(pid);
      if (Number(pgrp) === pgid && state !== "Z") members.push(`${pid} ${commandLine(pid)}`);
    } catch {
      /* gone */
    }
  }
  return members;
}

/** Whether any process of process group `pgid` is still running (without /proc: kill(0) says). */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  const members = groupMembers(pgid);
  return members === undefined || members.length > 0;
}

/**
 * Ends a child started with `detached: true` (its own process group) and everything in that group
 * (a shell's background jobs, npx's command), and waits until none is left: SIGTERM to the group,
 * SIGKILL to what remains after `graceMs`.
 * @example
 * const child = spawn("bash", ["-c", script], { detached: true });
 * try { … } finally { await stopGroup(child); }
 * @param {import("node:child_process").ChildProcess} child
 * @param {number} [graceMs]
 */
export async function stopGroup(child, graceMs = 5_000) {
  const pgid = child.pid;
  if (pgid === undefined) return;
  const signal = (sig) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      /* the group is gone */
    }
  };
  signal("SIGTERM");
  const until = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < until) await sleep(20);
  if (groupAlive(pgid)) signal("SIGKILL");
  while (groupAlive(pgid)) await sleep(20);
  if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
}

/**
 * Runs `command` to its end in a process group of its own, then ends whatever it left running in
 * that group (a shell's background job, the binary a Node wrapper started), and on timeout all of
 * it; resolves once none of the group is left. `code` is null when it was killed; `leftRunning`
 * lists what was still running in the group when the command exited ("pid command line"; empty
 * without /proc).
 * @example
 * const { code, stdout } = await runInGroup("bash", ["-c", "server & sleep 1; kill $!"], { timeoutMs: 30_000 });
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string, timedOut: boolean, leftRunning: string[] }>}
 */
export async function runInGroup(command, args, { cwd, env, timeoutMs = 60_000 } = {}) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "",
    stderr = "";
  child.stdout.on("data", (c) => {
    stdout += c;
  });
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  let closed = false;
  child.on("close", () => {
    closed = true;
  });
  const grace = new AbortController();
  let timedOut;
  try {
    timedOut = await Promise.race([once(child, "exit").then(() => false), sleep(timeoutMs, true, { signal: grace.signal })]);
  } finally {
    grace.abort(); // the timer, when it exited first (or could not start)
  }
  const leftRunning = timedOut ? [] : (groupMembers(/** @type {number} */ (child.pid)) ?? []);
  await stopGroup(child);
  if (!closed) await once(child, "close"); // the rest of its output
  return { code: timedOut ? null : child.exitCode, stdout, stderr, timedOut, leftRunning };
}

/**
 * The path of the `deno` dev dependency's binary itself. The package's bin (`bin.cjs`) is a Node
 * wrapper that runs the binary as its own child: ending the wrapper would orphan the binary.
 * @example
 * execFile(denoExecutable(), ["run", "--no-prompt", "script.ts"]);
 * @returns {string}
 */
export function denoExecutable() {
  return createRequire(import.meta.url)("deno/install_api.cjs").runInstall();
}

/**
 * The run's last check: the processes of this run still alive after `graceMs` (a process in the
 * middle of exiting gets that long), each then killed so that the run leaves nothing behind even
 * when it fails. A string says why there is no check here (see `runProcesses`).
 * @example
 * const left = await leftoverProcesses();
 * if (typeof left !== "string" && left.length) process.exitCode = 1;
 * @param {number} [graceMs]
 * @returns {Promise<{ pid: number, ppid: number, args: string }[] | string>}
 */
export async function leftoverProcesses(graceMs = 2_000) {
  const until = Date.now() + graceMs;
  let left = runProcesses();
  while (typeof left !== "string" && left.length && Date.now() < until) {
    await sleep(100);
    left = runProcesses();
  }
  if (typeof left !== "string")
    for (const { pid } of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  return left;
}

/**
 * A clean environment for Deno: PATH and HOME only (no vault settings from the developer's shell),
 * no colours, no update check, the run's marker, then `vars`.
 * @example
 * execFile(denoExecutable(), ["run", "script.ts"], { env: denoEnv({ KEYVAULT_URL: url }) });
 * @param {Record<string, string>} [vars]
 * @returns {Record<string, string>}
 */
export function denoEnv(vars = {}) {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? tmpdir(),
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    ...runMarker(),
    ...vars,
  };
}

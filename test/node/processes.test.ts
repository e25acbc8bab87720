// The run's last check (test/processes.mjs, called by test/run.mjs) can fail: a process this run
// started that outlived its parent (re-parented to init, out of reach of a walk of the runner's
// descendants) is found by the run's marker, and a process marked by another run is not.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { runInGroup, runProcesses } from "../processes.mjs";

/** A Node child that starts two idle grandchildren (one marked as another run's), prints their pids and exits. */
const ORPHANING = `
const { spawn } = require("node:child_process");
const idle = ["-e", "setInterval(() => {}, 1000) // kvf orphan"];
const ours = spawn(process.execPath, idle, { stdio: "ignore" });
const theirs = spawn(process.execPath, idle, { stdio: "ignore", env: { ...process.env, KVF_TEST_RUN: process.env.KVF_TEST_RUN + "-other" } });
console.log(JSON.stringify([ours.pid, theirs.pid]));
process.exit(0);
`;

function listed(pid: number) {
  const found = runProcesses();
  if (typeof found === "string") throw new Error(found);
  return found.find((p) => p.pid === pid);
}

const suite: SuiteFile = (t) => {
  t.group("processes", () => {
    t.test("the run's process check finds an orphan of this run by its marker, and no process of another run", async () => {
      const why = runProcesses();
      if (typeof why === "string") {
        console.log(`  (no process check here: ${why})`);
        return;
      }
      const { pids, parent } = await new Promise<{ pids: number[]; parent: number }>((resolve, reject) => {
        const child = execFile(process.execPath, ["-e", ORPHANING], { timeout: 20_000 }, (error, stdout) =>
          error ? reject(error) : resolve({ pids: JSON.parse(stdout), parent: child.pid! }),
        );
      });
      const [ours, theirs] = pids as [number, number];
      try {
        const orphan = listed(ours);
        assert.ok(orphan, `the orphan ${ours} is not listed`);
        assert.notEqual(orphan.ppid, parent, "its parent has exited: it was re-parented");
        assert.match(orphan.args, /kvf orphan/);
        assert.equal(listed(theirs), undefined, "a process marked by another run is not listed");
      } finally {
        for (const pid of pids) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            /* gone */
          }
        }
      }
      // Ended, it is off the list (a zombie awaiting init's reaping is not a live process).
      for (let i = 0; i < 100 && listed(ours); i++) await sleep(50);
      assert.equal(listed(ours), undefined, "still listed after SIGKILL");
    });

    t.test("runInGroup names what a command left running in its process group and ends it; a timeout ends all of it", async () => {
      const sleeping = () => {
        const found = runProcesses();
        return typeof found === "string" ? [] : found.filter((p) => /^sleep 3[01]$/.test(p.args));
      };
      // "started" once the background child is sleep, not the forked bash it begins as (on a loaded
      // machine the listing could otherwise come first).
      const waitForExec = 'while [ "$(cat /proc/$!/comm 2>/dev/null)" != sleep ] && [ -e /proc/$! ]; do sleep 0.01; done';
      const done = await runInGroup("bash", ["-c", `sleep 30 & ${waitForExec}; echo started`], { timeoutMs: 20_000 });
      assert.deepEqual([done.code, done.stdout, done.timedOut], [0, "started\n", false]);
      if (typeof runProcesses() !== "string") assert.match(done.leftRunning.join("\n"), /^\d+ sleep 30$/);
      const started = Date.now();
      const late = await runInGroup("bash", ["-c", "sleep 31; echo never"], { timeoutMs: 300 });
      assert.deepEqual([late.code, late.stdout, late.timedOut], [null, "", true]);
      assert.ok(Date.now() - started < 10_000, "ended at the timeout, not at the command's end");
      assert.deepEqual(sleeping(), [], "nothing of either group is left");
    });
  });
};
export default suite;

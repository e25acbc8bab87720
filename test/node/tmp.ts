// Temporary folders for Node-only tests that outlive one test (a packed tarball, a consumer
// project): made under os.tmpdir() (the run's own folder, see test/run.mjs) and removed by
// `removeTempDirs()`, which test/node/tmpdir.test.ts calls before it looks for leftovers, and on exit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

/** A fresh folder `<tmpdir>/<prefix>XXXXXX`, removed at the end of the run. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every folder `tempDir` made (idempotent). */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

process.once("exit", removeTempDirs);

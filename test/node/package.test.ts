import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { readFileSync } from "node:fs";

const suite: SuiteFile = (t) => {
  t.group("package", () => {
    t.test("has no runtime dependencies", () => {
      const pkg = JSON.parse(readFileSync("package.json", "utf8"));
      assert.deepEqual(Object.keys(pkg.dependencies ?? {}), []);
    });
  });
};
export default suite;

import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";

const suite: SuiteFile = (t, lib) => {
  void t; void lib; void assert;
};
export default suite;

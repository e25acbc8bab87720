import type { SuiteFile } from "./harness.js";
import { keysReplay } from "./keys-replay.test.js";

const suite: SuiteFile = (t, lib) => {
  keysReplay(t, lib);
};
export default suite;

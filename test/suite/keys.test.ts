// keyvault-fetch/keys in the shared suite: the parts live in keys-*.test.ts and register from here.
import type { SuiteFile } from "./harness.js";
import { keysEmulator } from "./keys-emulator.test.js";
import { keysReplay } from "./keys-replay.test.js";
import { keysUnit } from "./keys-unit.test.js";

const suite: SuiteFile = (t, lib) => {
  keysUnit(t, lib);
  keysReplay(t, lib);
  keysEmulator(t, lib);
};
export default suite;

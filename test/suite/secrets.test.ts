// keyvault-fetch/secrets and the emulator's secrets in the shared suite: the parts live in
// secrets-*.test.ts and register from here.
import type { SuiteFile } from "./harness.js";
import { secretsEmulator } from "./secrets-emulator.test.js";
import { secretsReplay } from "./secrets-replay.test.js";
import { secretsHelpers } from "./secrets-helpers.test.js";
import { secretsCache } from "./secrets-cache.test.js";
import { secretsStores } from "./secrets-stores.test.js";

const suite: SuiteFile = (t, lib) => {
  secretsEmulator(t, lib);
  secretsReplay(t, lib);
  secretsHelpers(t, lib);
  secretsCache(t, lib);
  secretsStores(t, lib);
};
export default suite;

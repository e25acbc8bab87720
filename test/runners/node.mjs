// Node leg: the library imported from dist/ by its package name, as a user would.
import * as core from "keyvault-fetch";
import * as emulator from "keyvault-fetch/emulator";
import * as keys from "keyvault-fetch/keys";
import * as entra from "keyvault-fetch/entra";
import * as jose from "keyvault-fetch/jose";
import { runSuite } from "../.out/suite.js";

export function run(filter, onResult) {
  return runSuite({ core, emulator, keys, entra, jose }, "node", { filter, onResult });
}

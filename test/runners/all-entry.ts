// The single-file build of the library + suite, for workerd, Deno and Chromium.
import * as core from "keyvault-fetch";
import * as emulator from "@keyvault-fetch/emulator";
import * as keys from "keyvault-fetch/keys";
import * as entra from "keyvault-fetch/entra";
import * as jose from "keyvault-fetch/jose";
import * as proxy from "keyvault-fetch/proxy";
import * as secrets from "keyvault-fetch/secrets";
import * as certificates from "keyvault-fetch/certificates";
import { runSuite } from "../suite/index.js";
import type { Runtime } from "../suite/harness.js";

export function run(runtime: Runtime, filter?: string) {
  return runSuite({ core, emulator, keys, entra, jose, proxy, secrets, certificates } as any, runtime, filter ? { filter } : {});
}

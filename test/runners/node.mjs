// Node leg: the library imported from dist/ by its package name, as a user would.
import * as core from "keyvault-fetch";
import * as emulator from "@keyvault-fetch/emulator";
import * as keys from "keyvault-fetch/keys";
import * as entra from "keyvault-fetch/entra";
import * as jose from "keyvault-fetch/jose";
import * as proxy from "keyvault-fetch/proxy";
import * as secrets from "keyvault-fetch/secrets";
import * as certificates from "keyvault-fetch/certificates";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

export async function run(filter, onResult) {
  const { runSuite } = await import(pathToFileURL(join(process.env.KVF_TEST_OUT, "suite.js")).href);
  return runSuite({ core, emulator, keys, entra, jose, proxy, secrets, certificates }, "node", { filter, onResult });
}

// Node-only tests: they receive the same library (from dist/ by package name) and may use node: APIs.
import * as core from "keyvault-fetch";
import * as emulator from "@keyvault-fetch/emulator";
import * as keys from "keyvault-fetch/keys";
import * as entra from "keyvault-fetch/entra";
import * as jose from "keyvault-fetch/jose";
import * as proxy from "keyvault-fetch/proxy";
import * as secrets from "keyvault-fetch/secrets";
import * as certificates from "keyvault-fetch/certificates";
import { collect, runTests, type Lib, type SuiteFile } from "../suite/harness.js";
import packageTests from "./package.test.js";
import serverTests from "./server.test.js";
import cliTests from "./cli.test.js";
import quickstartTests from "./quickstart.test.js";
import officialSdkTests from "./official-sdk.test.js";
import entraParityTests from "./entra-parity.test.js";
import entraExamplesTests from "./entra-examples.test.js";
import sizeBudgetTests from "./size-budget.test.js";
import proxyServerTests from "./proxy-server.test.js";
import proxyBrowserTests from "./proxy-browser.test.js";
import workerStarterTests from "./worker-starter.test.js";
import denoProxyTests from "./deno-proxy.test.js";
import demoTests from "./demo.test.js";
import emulatorDevServerTests from "./emulator-devserver.test.js";
import emulatorCorsTests from "./emulator-cors.test.js";
import emulatorWorkerdTests from "./emulator-workerd.test.js";
import officialSdkSecretsTests from "./official-sdk-secrets.test.js";
import officialSdkCertificatesTests from "./official-sdk-certificates.test.js";
import emulatorSecretsStoreTests from "./emulator-secrets-store.test.js";
import secretsWorkersTests from "./secrets-workers.test.js";
import secretsDenoKvTests from "./secrets-deno-kv.test.js";
import publishTests from "./publish.test.js";
import tarballTests from "./tarball.test.js";
import tarballReadmeTests from "./tarball-readme.test.js";
import deadlineHttpTests from "./deadline-http.test.js";
import tmpdirTests from "./tmpdir.test.js";
import processesTests from "./processes.test.js";
import docsTests from "./docs.test.js";
import readmeRecipeTests from "./readme-recipe.test.js";
import readmeOtelTests from "./readme-otel.test.js";
import readmeSizesTests from "./readme-sizes.test.js";
import emulatorOptionsTests from "./emulator-options.test.js";
import consumerTypesTests from "./consumer-types.test.js";
import soakTests from "./soak.test.js";
import certificatesOpensslTests from "./certificates-openssl.test.js";
import certificateWorkerTests from "./certificate-worker.test.js";
import publicApiTests from "./public-api.test.js";

const files: SuiteFile[] = [
  packageTests,
  serverTests,
  cliTests,
  quickstartTests,
  officialSdkTests,
  entraParityTests,
  entraExamplesTests,
  sizeBudgetTests,
  proxyServerTests,
  proxyBrowserTests,
  workerStarterTests,
  denoProxyTests,
  demoTests,
  emulatorDevServerTests,
  emulatorCorsTests,
  emulatorWorkerdTests,
  officialSdkSecretsTests,
  officialSdkCertificatesTests,
  emulatorSecretsStoreTests,
  secretsWorkersTests,
  secretsDenoKvTests,
  publishTests,
  tarballTests,
  tarballReadmeTests,
  consumerTypesTests,
  docsTests,
  readmeRecipeTests,
  readmeOtelTests,
  readmeSizesTests,
  emulatorOptionsTests,
  deadlineHttpTests,
  publicApiTests,
  soakTests,
  certificatesOpensslTests,
  certificateWorkerTests,
  processesTests,
  tmpdirTests, // last: it checks what every other test left in the temp directory
];

export function runNodeOnly(filter?: string, onResult?: (name: string, ok: boolean | "skip", error?: string) => void) {
  const lib = {
    core,
    emulator,
    keys,
    entra,
    jose,
    proxy,
    secrets,
    certificates,
    runtime: "node",
    fixtures: { recordings: {}, specExamples: {} },
  } as unknown as Lib;
  return runTests(collect(files, lib), "node", { ...(filter ? { filter } : {}), ...(onResult ? { onResult } : {}) });
}

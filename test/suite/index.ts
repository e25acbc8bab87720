// The shared conformance suite: every runtime leg hands it the built library and runs it.
import { collect, runTests, type Lib, type Result, type Runtime, type SuiteFile } from "./harness.js";
// Filled in at bundle time by test/build.mjs from test/fixtures.
import fixtures from "virtual:fixtures";
import challenge from "./challenge.test.js";
import client from "./client.test.js";
import retry from "./retry.test.js";
import replay from "./replay.test.js";
import emulator from "./emulator.test.js";
import emulatorTrust from "./emulator-trust.test.js";
import emulatorDevServer from "./emulator-devserver.test.js";
import keys from "./keys.test.js";
import entra from "./entra.test.js";
import jose from "./jose.test.js";
import trust from "./trust.test.js";
import proxy from "./proxy.test.js";
import msal from "./msal.test.js";
import secrets from "./secrets.test.js";
import certificates from "./certificates.test.js";
import certificatesEmulator from "./certificates-emulator.test.js";
import validation from "./validation.test.js";
import bytes from "./bytes.test.js";
import reliabilityHostile from "./reliability-hostile.test.js";
import reliabilityFaults from "./reliability-faults.test.js";
import reliabilityDeadline from "./reliability-deadline.test.js";
import reliabilityConcurrency from "./reliability-concurrency.test.js";
import reliabilityFindings from "./reliability-findings.test.js";
// Last: the leak scan reads every error the reliability tests before it caught.
import reliabilityLeaks from "./reliability-leaks.test.js";

export const files: SuiteFile[] = [
  challenge,
  client,
  retry,
  trust,
  replay,
  emulator,
  emulatorTrust,
  emulatorDevServer,
  keys,
  entra,
  jose,
  proxy,
  msal,
  secrets,
  certificates,
  certificatesEmulator,
  bytes,
  validation,
  reliabilityHostile,
  reliabilityFaults,
  reliabilityDeadline,
  reliabilityConcurrency,
  reliabilityFindings,
  reliabilityLeaks,
];

export type LibModules = Omit<Lib, "runtime" | "fixtures">;

export async function runSuite(
  modules: LibModules,
  runtime: Runtime,
  opts: { filter?: string; onResult?: (name: string, ok: boolean | "skip", error?: string) => void } = {},
): Promise<Result> {
  const lib: Lib = { ...modules, runtime, fixtures: fixtures as Lib["fixtures"] };
  return runTests(collect(files, lib), runtime, opts);
}

// The emulator server's constructor errors carry a code: startEmulatorServer, serveFetchHandler
// and createSelfSignedCertificate refuse bad options with a TypeError (RangeError for a value out
// of range) whose `code` is ERR_INVALID_INPUT, before anything listens.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { createSelfSignedCertificate, serveFetchHandler, startEmulatorServer } from "@keyvault-fetch/emulator/server";

const suite: SuiteFile = (t) => {
  t.group("emulator server options", () => {
    t.test("bad options are refused with code ERR_INVALID_INPUT and a message that says what was expected", async () => {
      const any = (v: unknown) => v as any;
      const cases: [string, () => Promise<unknown>, string, RegExp][] = [
        [
          "a name where the options go",
          () => startEmulatorServer(any("dev")),
          "TypeError",
          /^startEmulatorServer takes an options object; got a string$/,
        ],
        [
          "a port out of range",
          () => startEmulatorServer({ port: 70000 }),
          "RangeError",
          /^startEmulatorServer: port must be an integer from 0 to 65535 \(0: any free port\); got 70000$/,
        ],
        ["a port as text", () => startEmulatorServer(any({ port: "8443" })), "RangeError", /port must be an integer from 0 to 65535/],
        [
          "tls without a key",
          () => startEmulatorServer(any({ tls: { cert: "pem" } })),
          "TypeError",
          /^startEmulatorServer: tls must be false \(plain HTTP\) or \{ cert, key \} as PEM text$/,
        ],
        ["no vaults", () => startEmulatorServer({ vaults: [] }), "TypeError", /vaults needs at least one vault/],
        [
          "emulator options of the wrong type",
          () => startEmulatorServer(any({ port: 0, tls: false, emulator: { seed: "1" } })),
          "TypeError",
          /seed must be a number; got a string/,
        ],
        [
          "a handler that is not a function",
          () => serveFetchHandler(any({ fetch() {} })),
          "TypeError",
          /^serveFetchHandler takes a fetch handler, \(request\) => Response, first; got an object$/,
        ],
        [
          "a negative body cap",
          () => serveFetchHandler(() => new Response(), { maxBodyBytes: -1 }),
          "RangeError",
          /maxBodyBytes must be a number of bytes, 0 or more/,
        ],
        [
          "a certificate for a bad address",
          () => createSelfSignedCertificate({ ipAddresses: ["not-an-ip"] }),
          "TypeError",
          /not an IP address: not-an-ip/,
        ],
      ];
      for (const [label, call, name, message] of cases) await assert.rejects(call, { name, code: "ERR_INVALID_INPUT", message }, label);
    });
  });
};
export default suite;

// Preload (node --import) for the child processes of the Node-only tests: every name under
// .localhost resolves to loopback, as RFC 6761 §6.3 asks and as browsers, curl and
// systemd-resolved already do. Some resolvers (plain glibc with /etc/hosts) do not, and the
// emulator's vault lives at <name>.vault.localhost so that the official SDK's challenge
// resource check (host must end with "." + resource host) passes untouched.
import dns from "node:dns";

const original = dns.lookup;
// @ts-expect-error: the patched lookup has no __promisify__ (its callers use callbacks)
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  if (typeof options === "number") options = { family: options };
  if (typeof hostname === "string" && /\.localhost\.?$/i.test(hostname)) {
    const v6 = options?.family === 6;
    const address = v6 ? "::1" : "127.0.0.1";
    const family = v6 ? 6 : 4;
    process.nextTick(() => (options?.all ? callback(null, [{ address, family }]) : callback(null, address, family)));
    return {};
  }
  return original.call(this, hostname, options, callback);
};

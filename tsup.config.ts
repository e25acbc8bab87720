import { defineConfig } from "tsup";

// Every runtime gets the same ESM build (plus CJS for require()); the emulator's
// server and CLI are Node-only and built separately so no edge entry can pull them in.
export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      emulator: "src/emulator/index.ts",
      keys: "src/keys/index.ts",
      entra: "src/entra/index.ts",
      jose: "src/jose/index.ts",
      proxy: "src/proxy/index.ts",
      secrets: "src/secrets/index.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: false,
    clean: false, // several developers may build one tree at once; never delete under them
    target: "es2022",
    platform: "neutral",
    splitting: true,
    treeshake: true,
    external: ["@noble/curves", "@noble/ciphers", "@noble/hashes"],
  },
  {
    entry: { "emulator-server": "src/emulator/server.ts", "emulator-cli": "src/emulator/cli.ts", "proxy-server": "src/proxy/server.ts" },
    format: ["esm"],
    dts: { entry: { "emulator-server": "src/emulator/server.ts", "proxy-server": "src/proxy/server.ts" } },
    tsconfig: "tsconfig.node.json",
    target: "node20",
    platform: "node",
    external: ["@noble/curves", "@noble/ciphers", "@noble/hashes"],
    clean: false,
  },
]);

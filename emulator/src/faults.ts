// Fault injection for reliability tests: throttling (429 with or without Retry-After),
// 503, added latency, dropped connections (the fetch rejects like a network error) and
// malformed bodies. Faults match per route or globally, count down with `times`, and are
// deterministic: probabilities draw from a seeded generator, and scripts play in order.
import { inputError } from "./errors.js";

/**
 * Which side of the emulator a fault applies to.
 * @example
 * const target: FaultTarget = "authority";
 * emu.faults.add({ target, status: 503, times: 1 }); // the token endpoint fails once
 */
export type FaultTarget = "vault" | "authority" | "any";

/**
 * A fault to inject. Effects combine: e.g. latency plus a 503.
 * @example
 * const slowSign: FaultSpec = { route: (request) => request.method === "POST" && new URL(request.url).pathname.endsWith("/sign"), latencyMs: 2000, times: 5 };
 * emu.faults.add(slowSign);
 */
export interface FaultSpec {
  /**
   * Which requests: a glob on "METHOD /path" or "/path" (`*` = one path segment's characters,
   * `**` = anything), a RegExp tested on "METHOD /path", or a predicate. Default: every request.
   */
  route?: string | RegExp | ((request: Request) => boolean);
  /** Default "vault". "authority" also covers the managed identity endpoints (IMDS, App Service). */
  target?: FaultTarget;
  /** How many matching requests it hits (default 1; Infinity for ever). */
  times?: number;
  /** Chance (0..1) that a matching request is hit; drawn from the emulator's seeded generator. */
  probability?: number;
  /** Answer with this status instead of serving the request (429, 503, 500...). */
  status?: number;
  /** With a status: a Retry-After header in seconds. */
  retryAfter?: number;
  /** With a status: x-ms-retry-after-ms and retry-after-ms headers. */
  retryAfterMs?: number;
  /** With a status: a replacement JSON body. */
  body?: unknown;
  /** Delay before answering, in ms (honours the request's AbortSignal). */
  latencyMs?: number;
  /** Reject the fetch like a reset connection; "after" serves the request first (the effect happens, the answer is lost). */
  drop?: boolean | "before" | "after";
  /** Serve the request but cut the response body so it is not valid JSON. */
  malformedBody?: boolean;
}

/**
 * An installed fault (as listed by `faults.active`).
 * @example
 * const fault: ActiveFault = emu.faults.add({ route: "POST /keys/signer/sign", status: 429, times: 3 });
 * // … after the client's retries:
 * fault.remaining; // 0 once three sign requests met it
 */
export interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

/** The combined effect for one request. */
export interface FaultEffect {
  latencyMs: number;
  status?: FaultSpec;
  drop?: "before" | "after";
  malformed: boolean;
  names: string[];
}

function globToRegExp(glob: string): RegExp {
  const withMethod = /^[A-Z]+\s/.test(glob) ? glob : `* ${glob}`;
  const re = withMethod
    .split(/(\*\*|\*)/)
    .map((part) => (part === "**" ? ".*" : part === "*" ? "[^/ ]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${re}$`, "i");
}

function matches(spec: FaultSpec, request: Request, path: string, target: "vault" | "authority"): boolean {
  const t = spec.target ?? "vault";
  if (t !== "any" && t !== target) return false;
  const r = spec.route;
  if (r === undefined) return true;
  if (typeof r === "function") return r(request);
  const line = `${request.method} ${path}`;
  if (r instanceof RegExp) return r.test(line);
  return globToRegExp(r).test(line);
}

function describe(spec: FaultSpec): string {
  const parts: string[] = [];
  if (spec.latencyMs) parts.push(`latency ${spec.latencyMs}ms`);
  if (spec.status) parts.push(`status ${spec.status}`);
  if (spec.drop) parts.push(`drop${spec.drop === "after" ? " after" : ""}`);
  if (spec.malformedBody) parts.push("malformed body");
  return parts.join(" + ") || "none";
}

/**
 * A small seeded PRNG (mulberry32), so fault sequences repeat exactly.
 * @example
 * const random = seededRandom(42);
 * random(); // the same number in [0, 1) on every run (createEmulator({ seed: 42 }) uses it for faults' probability)
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Script {
  steps: (FaultSpec | null)[];
  route?: FaultSpec["route"];
  target?: FaultTarget;
}

/**
 * Fault controls of an emulator.
 * @example
 * emu.faults.add({ route: "POST /keys/**", status: 429, retryAfter: 1 });
 * emu.faults.script([{ status: 503 }, null, { drop: true }]); // next three vault requests
 */
export class Faults {
  private readonly installed: ActiveFault[] = [];
  private readonly scripts: Script[] = [];

  constructor(private readonly random: () => number) {}

  /**
   * Installs a fault; returns it so a test can inspect `remaining`.
   * @example
   * const fault = emu.faults.add({ route: "POST /keys/signer/sign", status: 503, times: 2 });
   * fault.remaining; // 2 until two matching requests have met it
   */
  add(spec: FaultSpec): ActiveFault {
    if (!spec || typeof spec !== "object")
      throw inputError(
        "faults.add takes a fault: { route, target, status, retryAfter, latencyMs, drop, malformedBody, times, probability }",
      );
    if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1))
      throw inputError("faults.add: probability must be between 0 and 1", true);
    const f = { spec, remaining: spec.times ?? 1 };
    this.installed.push(f);
    return f;
  }

  /**
   * Shorthand: throttle matching requests with 429 (optionally with Retry-After seconds).
   * @example
   * emu.faults.throttle({ route: "GET /secrets/**", retryAfter: 1, times: 3 });
   */
  throttle(opts: Omit<FaultSpec, "status"> = {}): ActiveFault {
    return this.add({ ...opts, status: 429 });
  }

  /**
   * Plays faults in order on successive matching requests; `null` lets a request through.
   * Scripts run before faults added with `add`.
   * @example
   * emu.faults.script([{ status: 503 }, null, { drop: "after" }], { route: "POST /keys/signer/sign" });
   */
  script(steps: (FaultSpec | null)[], opts: { route?: FaultSpec["route"]; target?: FaultTarget } = {}): void {
    this.scripts.push({ steps: [...steps], route: opts.route, target: opts.target });
  }

  /**
   * Removes every fault and script.
   * @example
   * emu.faults.clear(); // e.g. in afterEach
   */
  clear(): void {
    this.installed.length = 0;
    this.scripts.length = 0;
  }

  /** Faults that still have hits left. */
  get active(): ActiveFault[] {
    return this.installed.filter((f) => f.remaining > 0);
  }

  /** @internal Decides, and consumes, the faults that hit this request (the emulator calls it). */
  take(request: Request, path: string, target: "vault" | "authority"): FaultEffect {
    // Latency stacks; at most one terminal fault (status, drop, malformed body) hits a
    // request, and the others keep their count for the next matching requests.
    const hits: FaultSpec[] = [];
    let terminal = false;
    const isTerminal = (f: FaultSpec) => Boolean(f.status || f.drop || f.malformedBody);
    for (const s of this.scripts) {
      if (s.steps.length === 0 || !matches({ route: s.route, target: s.target }, request, path, target)) continue;
      const next = s.steps[0];
      if (next && terminal && isTerminal(next)) continue;
      s.steps.shift();
      if (next) {
        hits.push(next);
        terminal ||= isTerminal(next);
      }
    }
    for (const f of this.installed) {
      if (f.remaining <= 0 || !matches(f.spec, request, path, target)) continue;
      if (terminal && isTerminal(f.spec)) continue;
      if (f.spec.probability !== undefined && this.random() >= f.spec.probability) continue;
      f.remaining--;
      hits.push(f.spec);
      terminal ||= isTerminal(f.spec);
    }
    const effect: FaultEffect = { latencyMs: 0, malformed: false, names: hits.map(describe) };
    for (const h of hits) {
      effect.latencyMs += h.latencyMs ?? 0;
      if (h.status && !effect.status) effect.status = h;
      if (h.drop && !effect.drop) effect.drop = h.drop === "after" ? "after" : "before";
      if (h.malformedBody) effect.malformed = true;
    }
    return effect;
  }
}

/** Standard bodies for injected statuses, as the service words them. */
export function faultBody(status: number, target: "vault" | "authority"): unknown {
  if (target === "authority") {
    return {
      error: "temporarily_unavailable",
      error_description: `AADSTS50196: The server is temporarily unavailable (emulated ${status}).`,
      error_codes: [50196],
    };
  }
  if (status === 429)
    return {
      error: {
        code: "Throttled",
        message: "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
      },
    };
  if (status === 503)
    return { error: { code: "ServiceUnavailable", message: "The service is temporarily unavailable. Please retry the request later." } };
  return { error: { code: status >= 500 ? "InternalServerError" : "BadRequest", message: `Emulated fault: HTTP ${status}.` } };
}

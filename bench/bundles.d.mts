// Types of bundles.mjs, for the size-budget test (test/node/size-budget.test.ts) and feature-cost.mjs.
export interface BundleSpec {
  id: string;
  label: string;
  short: string;
  ours: boolean;
  peer?: string;
  entry: string;
}
export interface MeasuredBundle {
  id: string;
  label: string;
  short: string;
  ours: boolean;
  peer?: string;
  minified: number;
  gzip: number;
  brotli: number;
}
export type BundleBudgets = Record<string, Partial<Record<"minified" | "gzip" | "brotli", number>>>;
/** The bundles measured by the bench; `ours` ones have a size budget. */
export const BUNDLES: BundleSpec[];
/** esbuild's settings for every bundle we measure: minified ESM for the browser, everything inlined. */
export const BUNDLE_OPTIONS: import("esbuild").BuildOptions;
/** Bundles one entry (minified ESM for the browser) and returns its text. */
export function bundleText(root: string, bundle: { entry: string }): Promise<string>;
/** Minified, gzip and brotli bytes of every bundle (or of `ids`). */
export function measureBundles(root: string, ids?: string[]): Promise<MeasuredBundle[]>;
/** One message per figure over its budget (or budget without a measured bundle). */
export function overBudget(measured: MeasuredBundle[], budgets: BundleBudgets): string[];
/** Bundles whose bytes are split by source module. */
export const MODULE_BUNDLES: { id: string; label: string; entry: string }[];
/** Minified bytes by source module (esbuild's metafile), largest first, and the bundle's gzip size. */
export function measureModules(
  root: string,
): Promise<{ id: string; label: string; minified: number; gzip: number; modules: { file: string; bytes: number }[] }[]>;

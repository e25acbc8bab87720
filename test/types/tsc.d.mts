// Types of tsc.mjs, for test/node/consumer-types.test.ts.
/** The repository root. */
export const root: string;
/** Runs `tsc -p project` plus `args`; resolves with its exit code and output (never rejects on type errors). */
export function tsc(project: string, args?: string[]): Promise<{ code: number; output: string }>;
/** Writes Deno's global types, loadable by TypeScript 5.9, to `file`; returns `file`. */
export function writeDenoTypes(file: string): string;

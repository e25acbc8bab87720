export declare function markRun(): string;
export declare function runMarker(): Record<string, string>;
export declare function runProcesses(id?: string): { pid: number; ppid: number; args: string }[] | string;
export declare function stopProcess(
  child: import("node:child_process").ChildProcess,
  options?: { signal?: NodeJS.Signals; graceMs?: number },
): Promise<void>;
export declare function stopGroup(child: import("node:child_process").ChildProcess, graceMs?: number): Promise<void>;
export declare function denoExecutable(): string;
export declare function leftoverProcesses(graceMs?: number): Promise<{ pid: number; ppid: number; args: string }[] | string>;
export declare function runInGroup(
  command: string,
  args: string[],
  options?: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean; leftRunning: string[] }>;
export declare function denoEnv(vars?: Record<string, string>): Record<string, string>;

export declare const CHROMIUM_FLAGS: string[];
export declare function chromiumExecutable(): Promise<string>;
export declare function launchChromium(): Promise<import("playwright-core").Browser>;

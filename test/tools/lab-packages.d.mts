// Types of lab-packages.mjs (plain JavaScript: it runs before the build) for the tests and the vitest config.
export declare const LAB_PACKAGES: readonly string[];
export declare const RUN_LAB_TESTS: string;
export declare function isRoot(): boolean;
export declare function missingPackages(env?: NodeJS.ProcessEnv): string[] | null;
export interface LabStatus {
  readonly root: boolean;
  readonly missing: string[] | null;
  readonly ready: boolean;
  readonly why: string;
}
export declare function labStatus(env?: NodeJS.ProcessEnv): LabStatus;
export declare function notRunNote(status: LabStatus): string[];
export declare function main(argv: string[], env?: NodeJS.ProcessEnv): number;

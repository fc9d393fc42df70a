/** Replaced at build time from package.json (esbuild `define`); read from it in tests. */
declare const __TSHOOT_VERSION__: string | undefined;
/** Replaced at build time: a hash of the sources and the lockfile (esbuild.config.mjs). */
declare const __TSHOOT_BUILD__: string | undefined;

export const VERSION: string = typeof __TSHOOT_VERSION__ === 'string' ? __TSHOOT_VERSION__ : '0.0.0-dev';

/**
 * What this code is, exactly: two builds with the same BUILD check flows the same way. Null
 * when running from source (tests), where nothing checked earlier is trusted.
 */
export const BUILD: string | null = typeof __TSHOOT_BUILD__ === 'string' ? __TSHOOT_BUILD__ : null;

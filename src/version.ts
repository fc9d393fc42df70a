/** Replaced at build time from package.json (esbuild `define`); read from it in tests. */
declare const __TSHOOT_VERSION__: string | undefined;

export const VERSION: string = typeof __TSHOOT_VERSION__ === 'string' ? __TSHOOT_VERSION__ : '0.0.0-dev';

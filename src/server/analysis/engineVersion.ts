import packageJson from '../../../package.json';

/**
 * Version of the engine that the server's worker runs, part of every cache key
 * so that a new engine never serves reports of an old one. The engine ships in
 * the same package as the extension, so the package version is the engine's.
 */
export const ENGINE_VERSION: string = packageJson.version;

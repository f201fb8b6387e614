// The entry point (`npm start`, the container's CMD). ES modules are all loaded before any of them
// runs, so the compile cache is turned on here first and the server (server.ts) imported after it.
import { enablePrivateCompileCache } from './startup/compile-cache.ts';

enablePrivateCompileCache();
await import('./server.ts');

/**
 * porta's programmatic API (the package's main export): the web server and the two classic
 * services, started in-process. The command line (`porta ...`) is built on the same pieces.
 */
export { startServer, type RunningServer, type ServerOptions } from './api/start-server.js';
export { startEchoServer, type EchoServer, type EchoServerOptions } from './services/echo-server.js';
export { startHelloServer, type HelloServer, type HelloServerOptions, type HelloConnectionRecord } from './services/hello-server.js';
export type { HttpLimits } from './http/limits.js';
export { PORTA_VERSION } from './version.js';

/**
 * Turns a bind/listen failure into one clear sentence for the user (docs/serve.md: port in use,
 * no permission), so every service reports the same way.
 */
export function describeListenError(error: unknown, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use (choose another with --port)`;
    case 'EACCES':
    case 'EPERM':
      return port < 1024
        ? `cannot listen on ${where}: ports below 1024 are privileged and need root (try --port ${port === 0 ? 8080 : port + 7000})`
        : `cannot listen on ${where}: permission denied`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: the address is not available on this machine (check --host)`;
    case 'EAFNOSUPPORT':
      return `cannot listen on ${where}: this machine does not support that address family`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: unknown host '${host}'`;
    default:
      return `cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

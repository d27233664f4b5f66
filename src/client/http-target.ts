/**
 * What a URL means for `porta get`: where to connect (over TLS for https://), what to put
 * in Host, and the request-target.
 */
import { ClientFailure } from './client-failure.js';

export interface HttpTarget {
  readonly url: URL;
  /** Name or address to connect to (IPv6 literals without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** https:// (RFC 9110 §4.2.2): the connection is TLS, the certificate checked for hostname. */
  readonly secure: boolean;
  /** RFC 9112 §3.2: uri-host [ ":" port ], brackets kept for IPv6, userinfo never. */
  readonly hostField: string;
  /** RFC 9112 §3.2.1 origin-form: absolute-path [ "?" query ]; the fragment is never sent. */
  readonly requestTarget: string;
  /** user:password from the URL, for Basic authentication. */
  readonly credentials: { readonly user: string; readonly password: string } | undefined;
}

/** Like curl, `porta get localhost:8080/x` means http://localhost:8080/x. */
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** Parses a URL as typed by a person; throws a ClientFailure naming the problem. */
export function parseHttpUrl(text: string): HttpTarget {
  let url: URL;
  try {
    url = new URL(HAS_SCHEME.test(text) ? text : `http://${text}`);
  } catch {
    throw new ClientFailure(`'${text}' is not a valid URL`);
  }
  return targetOf(url);
}

/** The target of an already parsed URL (e.g. a redirect's Location). */
export function targetOf(url: URL): HttpTarget {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') {
    throw new ClientFailure(`${url.href}: unsupported scheme '${url.protocol.slice(0, -1)}' (use http:// or https://)`);
  }
  if (url.hostname === '') throw new ClientFailure(`${url.href}: the URL has no host`);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    url,
    hostname,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    secure,
    hostField: url.host,
    requestTarget: `${url.pathname || '/'}${url.search}`,
    credentials:
      url.username === '' && url.password === ''
        ? undefined
        : { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) },
  };
}

/** Same scheme, host and port (RFC 6454 origin): credentials may follow a redirect only there. */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}

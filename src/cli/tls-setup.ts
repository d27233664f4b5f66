/**
 * The certificate for `--tls-cert/--tls-key` (read from PEM files, again on every reload)
 * or `--tls-self-signed` (made at start; with workers the primary makes one and hands it
 * to every worker, so all of them present the same fingerprint). Every problem is one
 * line naming the flag and the file.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { certificateFingerprint, localCertificateNames, makeSelfSignedCertificate, type TlsCredentials } from '../net/self-signed-certificate.js';
import { RuntimeFailure, UsageError } from './errors.js';
import type { TlsSource } from './serve-options.js';

/** How the primary of `--workers N` hands a made certificate to its workers. */
export const WORKER_TLS_CERT_ENV = 'PORTA_WORKER_TLS_CERT';
export const WORKER_TLS_KEY_ENV = 'PORTA_WORKER_TLS_KEY';

export interface LoadedTls {
  readonly credentials: TlsCredentials;
  /** SHA-256 fingerprint of the certificate, for the banner. */
  readonly fingerprint: string;
}

function readPem(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag}: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`);
  }
}

/** Reads and checks a certificate and key: both PEM, and the key the certificate's. */
export function readTlsFiles(certFile: string, keyFile: string): LoadedTls {
  const cert = readPem(certFile, '--tls-cert');
  const key = readPem(keyFile, '--tls-key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new UsageError(`--tls-cert: ${certFile} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new UsageError(`--tls-key: ${keyFile} is not an unencrypted PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new UsageError(`--tls-key: ${keyFile} is not the private key of the certificate in ${certFile}`);
  return { credentials: { cert, key }, fingerprint: x509.fingerprint256 };
}

/** The credentials for `source`, or undefined for plain HTTP. */
export function loadTls(source: TlsSource | undefined, host: string, env: NodeJS.ProcessEnv): LoadedTls | undefined {
  if (source === undefined) return undefined;
  if (source.kind === 'files') return readTlsFiles(source.certFile, source.keyFile);
  const inherited = env[WORKER_TLS_CERT_ENV];
  const inheritedKey = env[WORKER_TLS_KEY_ENV];
  try {
    const credentials = inherited !== undefined && inheritedKey !== undefined ? { cert: inherited, key: inheritedKey } : makeSelfSignedCertificate(localCertificateNames(host));
    return { credentials, fingerprint: certificateFingerprint(credentials.cert) };
  } catch (error) {
    // Only node:crypto is needed; a Node built without it (or a FIPS mode refusing P-256) lands here.
    throw new RuntimeFailure(`--tls-self-signed: cannot make a certificate: ${(error as Error).message}`);
  }
}

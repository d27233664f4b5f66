/**
 * A client-side failure whose message is already the one clear line the user should see
 * ("connection refused by 127.0.0.1 port 9"). The cli layer turns it into exit code 1.
 */
export class ClientFailure extends Error {
  override readonly name = 'ClientFailure';
}

/**
 * Waits for a condition a test cannot be told about by an event (server state, a file on
 * disk, a process gone): polls it every 10 ms until it holds, and fails with `what` once
 * `timeoutMs` has passed. Generous deadlines: the CI machine has two busy cores.
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

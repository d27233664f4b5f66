/**
 * "A value now, or later": the shape porta's request path takes so that what can be answered
 * from memory (a cached file) costs no promise, and only what must wait for the disk or a
 * program becomes asynchronous. The one place that tells the two apart.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `next(value)` at once when `value` is here, after it arrives when it is a promise. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * Like andThen, with a handler for a failure: a thrown error when `run` answers at once, a
 * rejection when it answers later.
 */
export function settle<T, U>(run: () => MaybePromise<T>, onValue: (value: T) => U, onError: (error: unknown) => U): MaybePromise<U> {
  let value: MaybePromise<T>;
  try {
    value = run();
  } catch (error) {
    return onError(error);
  }
  return value instanceof Promise ? value.then(onValue, onError) : onValue(value);
}

/** `--name value` flags of the hardening scripts (fuzz, soak, attack): nothing else is accepted. */
export type Flags = ReadonlyMap<string, string>;

export function parseFlags(argv: readonly string[], known: readonly string[]): Flags {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    const value = argv[i + 1];
    if (!known.includes(name) || value === undefined) {
      console.error(`unknown or incomplete option ${JSON.stringify(arg)}; known: ${known.map((k) => `--${k} N`).join(', ')}`);
      process.exit(2);
    }
    flags.set(name, value);
    i++;
  }
  return flags;
}

export function numberFlag(flags: Flags, name: string, fallback: number): number {
  const text = flags.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} needs a number, not ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

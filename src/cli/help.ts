/**
 * Help text layout: every command writes its help as plain text with an `Options:` section
 * of `  FLAGS  description` lines (continuation lines indented); this lines the descriptions
 * up in one column, whatever the widest flag, and wraps nothing. A flag column wider than
 * MAX_FLAG_COLUMN puts its description on the next line, as GNU tools do.
 */
const MAX_FLAG_COLUMN = 30;
const GAP = 2;
const OPTION_LINE = /^ {2}(-\S(?:.*?\S)?) {2,}(\S.*)$/;
const BARE_OPTION_LINE = /^ {2}(-\S(?:.*\S)?)$/;
const CONTINUATION_LINE = /^ {4,}(\S.*)$/;

interface OptionEntry {
  readonly flags: string;
  readonly lines: string[];
}

export function alignHelp(text: string): string {
  const out: string[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    out.push(line);
    i++;
    if (!/^\S.*:$/.test(line)) continue;
    // A section: gather its option entries, if it has any.
    const entries: OptionEntry[] = [];
    const start = i;
    while (i < lines.length) {
      const current = lines[i] as string;
      const option = OPTION_LINE.exec(current) ?? BARE_OPTION_LINE.exec(current);
      if (option) {
        entries.push({ flags: option[1] as string, lines: option[2] === undefined ? [] : [option[2]] });
      } else if (entries.length > 0 && CONTINUATION_LINE.test(current)) {
        (entries[entries.length - 1] as OptionEntry).lines.push((CONTINUATION_LINE.exec(current) as RegExpExecArray)[1] as string);
      } else break;
      i++;
    }
    if (entries.length === 0) {
      i = start;
      continue;
    }
    const widest = Math.max(...entries.map((entry) => entry.flags.length).filter((width) => width <= MAX_FLAG_COLUMN));
    const column = 2 + widest + GAP;
    for (const entry of entries) {
      const [first, ...rest] = entry.lines;
      if (first === undefined) out.push(`  ${entry.flags}`);
      else if (entry.flags.length > widest) out.push(`  ${entry.flags}`, `${' '.repeat(column)}${first}`);
      else out.push(`  ${entry.flags.padEnd(widest + GAP)}${first}`);
      for (const more of rest) out.push(`${' '.repeat(column)}${more}`);
    }
  }
  return out.join('\n');
}

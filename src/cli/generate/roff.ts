/** Just enough roff (man macros) to write man pages that render without warnings. */

const ASCII: Record<string, string> = {
  '…': '...', '→': '->', '←': '<-', '≥': '>=', '≤': '<=', '–': '-', '—': '--', '×': 'x', '“': '"', '”': '"', '‘': "'", '’': "'",
};

/** Text for a roff line: backslashes and minus signs escaped, other non-ASCII as named glyphs. */
export function esc(text: string): string {
  return text
    .replace(/[…→←≥≤–—×“”‘’]/g, (c) => ASCII[c])
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
}

/** One input line: escaped, and protected when it would start with a control character. */
export function line(text: string): string {
  const out = esc(text);
  return /^[.']/.test(out) ? `\\&${out}` : out;
}

export const bold = (text: string) => `\\fB${esc(text)}\\fR`;
export const italic = (text: string) => `\\fI${esc(text)}\\fR`;

/** A quoted macro argument. */
export function arg(text: string): string {
  return `"${esc(text).replace(/"/g, '\\(dq')}"`;
}

/** The `.TH` header, then no hyphenation (names like LOGLINE_HOME must not break) and a ragged right edge. */
export function title(name: string, section: number, version: string): string {
  return `.TH ${arg(name.toUpperCase())} ${section} "" ${arg(`logline ${version}`)} "logline manual"\n.nh\n.ad l`;
}

/** Lines kept as written (examples), indented. */
export function verbatim(text: string): string {
  const body = text.split('\n').map((l) => (l.trim() === '' ? '.sp' : line(l)));
  return ['.PP', '.RS 4', '.nf', ...body, '.fi', '.RE'].join('\n');
}

/** A tagged paragraph: the tag line, then its text. */
export function tagged(tag: string, text: string): string {
  return `.TP\n${tag}\n${line(text)}`;
}

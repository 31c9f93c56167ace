/** Terminal styling shared by the audit and the demo: colour only on a TTY, never with NO_COLOR. */

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export const colourWanted = (isTTY: boolean, env: Record<string, string | undefined>): boolean =>
  isTTY && !env.NO_COLOR;

const sgr =
  (on: boolean, open: number, close: number) =>
  (s: string): string =>
    on ? `\x1b[${open}m${s}\x1b[${close}m` : s;

export function paint(on: boolean): Paint {
  return {
    red: sgr(on, 31, 39),
    green: sgr(on, 32, 39),
    yellow: sgr(on, 33, 39),
    bold: sgr(on, 1, 22),
    dim: sgr(on, 2, 22),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleLength = (s: string): number => s.replace(ANSI, '').length;
const pad = (s: string, width: number): string => s + ' '.repeat(Math.max(0, width - visibleLength(s)));

/** Splits plain text into lines of at most `width` characters, at spaces where possible. */
export function wrap(text: string, width: number): string[] {
  if (width <= 0 || text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  if (line) lines.push(line);
  return lines;
}

export interface TableOptions {
  header?: string[];
  /** Total width to fit: the last column wraps into it. Omitted: no wrapping (pipes, logs, tests). */
  width?: number;
  indent?: string;
  paint?: Paint;
}

/** Left-aligned columns; cells may carry colour. The last column wraps when a width is given. */
export function table(rows: string[][], options: TableOptions = {}): string[] {
  const indent = options.indent ?? '';
  const all = options.header ? [options.header, ...rows] : rows;
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(0, ...all.map((r) => visibleLength(r[i] ?? ''))),
  );
  const lead = widths.slice(0, -1).reduce((n, w) => n + w + 2, indent.length);
  const lastWidth = options.width ? Math.max(20, options.width - lead) : 0;
  const out: string[] = [];
  for (const [index, row] of all.entries()) {
    const head = row.slice(0, -1).map((cell, i) => pad(cell, widths[i]));
    const last = row[row.length - 1] ?? '';
    const pieces = lastWidth && visibleLength(last) === last.length ? wrap(last, lastWidth) : [last];
    const isHeader = options.header !== undefined && index === 0;
    const style = (s: string): string => (isHeader && options.paint ? options.paint.bold(s) : s);
    out.push(style(`${indent}${[...head, pieces[0]].join('  ')}`.trimEnd()));
    for (const more of pieces.slice(1)) out.push(`${' '.repeat(lead)}${more}`);
  }
  return out;
}

import { colourWanted, Paint, paint, table, TableOptions } from '../src/cli/audit/style';

/** Thrown instead of printing a line that holds a guarded value; the message never repeats it. */
export class SecretLeak extends Error {
  constructor() {
    super('refused to print a line containing the secret header value');
    this.name = 'SecretLeak';
  }
}

/**
 * The demo's only way to the screen. Every line is checked against the guarded values first
 * (belt and braces: nothing the demo prints is built from them), case-insensitively because the ALB
 * compares header values without case.
 */
export class Terminal {
  readonly paint: Paint;
  private readonly guarded: string[] = [];

  constructor(
    private readonly write: (text: string) => void,
    colour: boolean,
    readonly width?: number,
  ) {
    this.paint = paint(colour);
  }

  static forStdout(): Terminal {
    const tty = process.stdout.isTTY === true;
    return new Terminal(
      (t) => process.stdout.write(t),
      colourWanted(tty, process.env),
      tty ? process.stdout.columns : undefined,
    );
  }

  guard(value: string): void {
    if (value.length > 0) this.guarded.push(value.toLowerCase());
  }

  line(text = ''): void {
    const lower = text.toLowerCase();
    if (this.guarded.some((v) => lower.includes(v))) throw new SecretLeak();
    this.write(`${text}\n`);
  }

  lines(texts: string[]): void {
    texts.forEach((t) => this.line(t));
  }

  chapter(n: number, title: string): void {
    this.line();
    this.line(this.paint.bold(`━━ ${n}. ${title} ${'━'.repeat(Math.max(3, 72 - title.length))}`));
  }

  /** An aside: what the demo does behind the scenes. */
  note(text: string): void {
    this.line(this.paint.dim(`   ${text}`));
  }

  table(rows: string[][], options: Omit<TableOptions, 'paint' | 'width' | 'indent'> = {}): void {
    this.lines(table(rows, { ...options, indent: '   ', paint: this.paint, width: this.width }));
  }
}

/** Quotes a value for a POSIX shell command line (local or remote). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

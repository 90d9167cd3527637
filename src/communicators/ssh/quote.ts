/** Quotes a value for a POSIX shell on the remote side. */
export function remoteQuote(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

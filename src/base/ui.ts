/** A build's voice: `==> name: say`, `    name: message`, red errors. */
export interface Ui {
  say(message: string): void;
  message(message: string): void;
  error(message: string): void;
  /** A status line that replaces itself on a terminal (download progress); elsewhere it is dropped. */
  progress?(message: string): void;
}

/** A VNC console on the QEMU engine. */
export interface VncConfig {
  bindAddress: string;
  portRange: [number, number];
  /** A random password, set through QMP and written to a file only the user can read. */
  usePassword: boolean;
}

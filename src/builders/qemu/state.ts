import type { ConnectedState } from '../../core/common-steps.js';
import type { RunningMachine } from '../../machines/qemu/machine.js';
import type { RunningHttpServer } from '../../util/http-server.js';

/** What the qemu builder's steps hand each other; each field is set by one step. */
export interface QemuState extends ConnectedState {
  outputDir?: string;
  /** True once the output is complete; until then cleanup removes it. */
  finished?: boolean;
  source?: string;
  disk?: string;
  workDir?: string;
  http?: RunningHttpServer;
  sshPort?: number;
  vncPort?: number;
  /** Releases the host ports this build holds (SSH, VNC). */
  releasePorts: Array<() => void>;
  machine?: RunningMachine;
  accelerator?: string;
  /** The ISO made from cd_files/cd_content, and the folder it was staged in. */
  cdIso?: string;
  cdDir?: string;
  /** The floppy image made from floppy_files/floppy_dirs/floppy_content, and its folder. */
  floppy?: string;
  floppyDir?: string;
  /** The build's UEFI variable store, and the temporary folder it is in when efi_drop_efivars. */
  efiVars?: string;
  efiDir?: string;
}

import type { PrepareContext } from '../core/plugin.js';
import { prepareBoot, type BootConfig } from './boot.js';
import { prepareGuestAccess, type GuestAccess } from './guest-access.js';
import { prepareHttp, type HttpConfig } from './http.js';
import { prepareCd, prepareFloppy, type CdConfig, type FloppyConfig } from './media.js';
import type { Options } from './options.js';
import { prepareOutput, type OutputConfig } from './output.js';
import { prepareShutdown, type ShutdownConfig } from './shutdown.js';
import type { SourceConfig } from './source.js';

/** What every local VM build of every family is made of, prepared from the option fragments. */
export interface LocalVmSettings {
  output: OutputConfig;
  source: SourceConfig;
  /** The option that names the source, for download errors (iso_url, source_path). */
  sourceOption: string;
  /** The source is an installer ISO to boot once (else a disk image or an appliance). */
  installer: boolean;
  floppy: FloppyConfig;
  cd: CdConfig;
  http: HttpConfig | undefined;
  boot: BootConfig;
  access: GuestAccess;
  /** Forward a host port to the guest's SSH port (false: connect to the guest's own address). */
  forwardSsh: boolean;
  shutdown: ShutdownConfig;
  /** Keep the disk's state after each provisioner, and resume from it (boxwright's "checkpoints"). */
  checkpoints: boolean;
}

/** The part of LocalVmSettings every family prepares the same way from the shared fragments. */
export type SessionSettings = Pick<
  LocalVmSettings,
  'output' | 'floppy' | 'cd' | 'http' | 'boot' | 'access' | 'forwardSsh' | 'shutdown' | 'checkpoints'
>;

const NO_CD: CdConfig = { files: [], dirs: [], content: {}, label: undefined };

/** Output, media, HTTP server, boot command, guest access and shutdown, from the fragments; `cd` false for families without Packer's cd_* options. */
export function prepareSession(
  o: Options,
  ctx: PrepareContext,
  family: { cd: boolean; forwardSsh: boolean },
): SessionSettings {
  const p = ctx.problems;
  return {
    output: prepareOutput(o, ctx.buildName),
    floppy: prepareFloppy(o, p),
    cd: family.cd ? prepareCd(o, p) : NO_CD,
    http: prepareHttp(o, p),
    boot: prepareBoot(o, p),
    access: prepareGuestAccess(o, p),
    forwardSsh: family.forwardSsh,
    shutdown: prepareShutdown(o),
    checkpoints: o.checkpoints !== false,
  };
}

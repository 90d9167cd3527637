import type { LocalVmSettings } from '../config/local-vm.js';
import type { Communicator } from '../core/communicator.js';

export type { LocalVmSettings };
import { Pipeline, type PipelineStep } from '../core/pipeline.js';
import type { BuildContext } from '../core/plugin.js';
import type { ExportResult, MachineDriver } from '../machines/driver.js';
import { stepBootCommand } from './boot-command.js';
import { stepConnect } from './connect.js';
import { stepDownload } from './download.js';
import { stepExport, stepDetachMedia } from './export.js';
import { stepHttpServer } from './http-server.js';
import { stepDefine, stepStart } from './machine.js';
import { stepCd, stepFloppy } from './media.js';
import { stepDiscardPreviousOutput, stepOutputDirectory } from './output-directory.js';
import { stepProvision } from './provision.js';
import { stepShutdown } from './shutdown.js';
import { stepSshPort } from './ssh-port.js';
import { startingLayers, stepFindVmCheckpoint, stepKeepFinished, stepTakeFinished } from './vm-checkpoints.js';

/** What a family adds to the pipeline: its guest tools (VirtualBox's additions, VMware Tools). */
export interface FamilySteps {
  /** Finds the guest tools ISO before the machine is defined; `attach` puts it in a CD drive. */
  guestTools?: PipelineStep<object, { guestTools: { iso: string; attach: boolean } | undefined }>;
  /** Runs after connecting, before the provisioners (uploads of version files and tools). */
  beforeProvision?: PipelineStep<
    { communicator: Communicator; guestTools: { iso: string; attach: boolean } | undefined },
    object
  >;
}

/**
 * The local-VM pipeline: output directory → download → checkpoint → floppy/CD → HTTP server →
 * host port → define → start → boot command → connect → [family] → provision → shutdown →
 * keep the finished machine → detach media → export. An earlier build's finished machine,
 * when nothing changed, goes from define straight to the export. Each step owns one
 * resource; the runner releases them in reverse. Returns what the export wrote.
 */
export async function runLocalVm(
  settings: LocalVmSettings,
  driver: MachineDriver,
  build: BuildContext,
  family: FamilySteps = {},
): Promise<ExportResult> {
  const noTools: PipelineStep<object, { guestTools: { iso: string; attach: boolean } | undefined }> = {
    name: 'guest-tools',
    run: async () => ({ guestTools: undefined }),
  };
  const pipeline = Pipeline.start()
    .then(stepOutputDirectory(settings.output.outputDirectory))
    .then(stepDownload(settings.source, settings.sourceOption))
    .then(stepDiscardPreviousOutput())
    .then(stepFindVmCheckpoint(settings, driver, build))
    .then(family.guestTools ?? noTools)
    .then(stepFloppy(settings.floppy))
    .then(stepCd(settings.cd))
    .then(stepHttpServer(settings.http))
    .then(stepSshPort(settings.access, settings.forwardSsh && driver.forwardsPorts))
    .then(
      stepDefine(driver, (s) => ({
        vmName: settings.output.vmName,
        outputDir: s.output.path,
        source: s.source,
        // A checkpoint's disk is past the installer: it boots from the disk.
        layers: s.vmCheckpoints && startingLayers(s.vmCheckpoints),
        media: {
          installer: settings.installer && !s.vmCheckpoints?.resume,
          keepInstaller: settings.installer && Boolean(s.vmCheckpoints?.resume?.checkpoint.state),
          cds: [...(s.cd ? [s.cd.file] : []), ...(s.guestTools?.attach ? [s.guestTools.iso] : [])],
          floppy: s.floppy?.file,
        },
        sshForward:
          s.sshPort && settings.access.communicator === 'ssh'
            ? { hostPort: s.sshPort.port, guestPort: settings.access.ssh.port }
            : undefined,
      })),
    )
    .either(
      // An earlier build's finished machine, with nothing changed since: its disk is the artifact's.
      (s) => Boolean(s.vmCheckpoints?.finished),
      (from) =>
        from
          .then(stepStart())
          .then(stepBootCommand(settings.boot, settings.output.vmName))
          .then(stepConnect(settings.access))
          .then(family.beforeProvision ?? { name: 'before-provision', run: async () => ({}) })
          .then(stepProvision(build))
          .then(stepShutdown(settings.shutdown))
          .then(stepKeepFinished(build)),
      stepTakeFinished(),
    )
    .then(stepDetachMedia())
    .then(stepExport());
  return (await pipeline.run((steps, state) => build.runSteps(steps, state))).exported;
}

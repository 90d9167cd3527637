import { noneCommunicator } from '../../communicators/none.js';
import { stepTemporaryKey } from '../../communicators/ssh/step-temporary-key.js';
import { amiArtifactId, type AmiArtifact } from '../../core/artifact.js';
import { stepProvision } from '../../core/common-steps.js';
import type { BuildContext, RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import type { AwsAccess } from '../../machines/aws/access.js';
import { Ec2 } from '../../machines/aws/ec2.js';
import { deleteAmi } from '../../machines/aws/images.js';
import type { AmazonEbsConfig } from './config.js';
import { stepImportKeyPair, stepTemporarySecurityGroup } from './steps-access.js';
import { stepCopyImages, stepCreateImage, stepDeregisterOld, stepFinish, stepShareAndTag } from './steps-image.js';
import { stepConnectInstance, stepRunInstance, stepStopInstance } from './steps-instance.js';
import { stepNetwork, stepPreValidate, stepSourceAmi } from './steps-lookup.js';
import type { AmazonState } from './state.js';

import { AMAZON_EBS_BUILDER_ID } from './index.js';

/** The steps in Packer's order (shared/FORMATS.md §5.3), each owning what it creates. */
export function amazonEbsSteps(config: AmazonEbsConfig, provision: Step<AmazonState>): Step<AmazonState>[] {
  const guest = config.guest;
  const image = config.image;
  const steps: Step<AmazonState>[] = [stepPreValidate(config), stepSourceAmi(config), stepNetwork(config)];
  if (guest.kind === 'ssh' && guest.keyPair.kind === 'temporary')
    steps.push(stepTemporaryKey(guest.ssh), stepImportKeyPair(guest.keyPair.name));
  if (config.instance.securityGroups.kind === 'temporary')
    steps.push(
      stepTemporarySecurityGroup(
        config.instance.securityGroups.cidrs,
        guest.kind === 'ssh' ? guest.ssh.port : 22,
        config.access.polling,
      ),
    );
  steps.push(stepRunInstance(config));
  if (guest.kind === 'ssh') steps.push(stepConnectInstance(guest));
  steps.push(provision, stepStopInstance(config));
  if (!image.skipCreate) {
    if (image.forceDeregister) steps.push(stepDeregisterOld(config));
    steps.push(stepCreateImage(config));
    if (image.regions.length) steps.push(stepCopyImages(config));
    steps.push(stepShareAndTag(config));
  }
  steps.push(stepFinish());
  return steps;
}

/** A client per region, made on first use and closed when the build ends. */
function regionClients(access: AwsAccess): { get(region: string): Ec2; close(): void } {
  const clients = new Map<string, Ec2>();
  return {
    get(region) {
      let client = clients.get(region);
      if (!client) clients.set(region, (client = Ec2.connect(access, region)));
      return client;
    },
    close() {
      for (const client of clients.values()) client.destroy();
    },
  };
}

/** The AMIs as Packer's artifact: id "region:ami,...", destroyed by deregistering them and deleting their snapshots. */
function amiArtifact(config: AmazonEbsConfig, state: AmazonState, ctx: RunContext): AmiArtifact {
  const amis = state.amis.map((a) => ({ region: a.region, id: a.id, snapshots: a.snapshots ?? [] }));
  return {
    builderId: AMAZON_EBS_BUILDER_ID,
    kind: 'amazon-ami',
    id: amiArtifactId(amis),
    files: [],
    description: amis.length
      ? `AMIs were created:\n${amis.map((a) => `${a.region}: ${a.id}`).join('\n')}`
      : 'No AMI was created ("skip_create_ami": true).',
    amis,
    sourceAmi: state.sourceImage?.ImageId,
    async destroy() {
      const clients = regionClients(config.access);
      try {
        for (const ami of amis) await deleteAmi(clients.get(ami.region), ami, ctx.ui);
      } finally {
        clients.close();
      }
    },
  };
}

/** The build: the steps with a client per region, closed at the end; the AMIs as the artifact. */
export async function runAmazonEbs(config: AmazonEbsConfig, ctx: BuildContext): Promise<AmiArtifact> {
  const clients = regionClients(config.access);
  const state: AmazonState = {
    ec2: clients.get(config.access.region),
    regionClient: (region) => clients.get(region),
    amis: [],
    // Without a communicator, provisioners that need one are refused by the none communicator.
    ...(config.guest.kind === 'none' ? { communicator: noneCommunicator } : {}),
  };
  try {
    await ctx.runSteps(
      amazonEbsSteps(
        config,
        stepProvision<AmazonState>(ctx, (state) => state.instanceId),
      ),
      state,
    );
  } finally {
    clients.close();
  }
  return amiArtifact(config, state, ctx);
}

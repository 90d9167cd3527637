import {
  CopyImageCommand,
  CreateImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import type { RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import type { AwsPolling } from '../../machines/aws/access.js';
import { hasAwsCode, type Ec2 } from '../../machines/aws/ec2.js';
import { sdkFilters, sdkMapping, sdkTags } from '../../machines/aws/resources.js';
import { waitFor } from '../../machines/aws/wait.js';
import type { AmazonEbsConfig } from './config.js';
import { renderTags, sourceFields, type AmazonState, type MadeAmi } from './state.js';

const snapshotsOf = (image: Image) =>
  (image.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId).filter((s): s is string => !!s);

/** Waits until the AMI is available and returns it; a failed AMI fails with AWS's reason. */
export function waitForImage(ec2: Ec2, id: string, ctx: RunContext, polling: AwsPolling): Promise<Image> {
  return waitFor<Image>(
    { subject: `AMI ${id} in ${ec2.region}`, goal: 'available' },
    async () => {
      try {
        const out = await ec2.call(new DescribeImagesCommand({ ImageIds: [id] }), `checking AMI ${id}`, ctx.signal);
        const image = out.Images?.[0];
        const state = image?.State ?? 'not visible yet';
        if (image && state === 'available') return { state, ready: true as const, value: image };
        if (state === 'failed' || state === 'error' || state === 'invalid')
          return { state, failed: image?.StateReason?.Message ?? 'AWS gave no reason' };
        return { state, ready: false };
      } catch (err) {
        if (hasAwsCode(err, 'InvalidAMIID.NotFound')) return { state: 'not visible yet', ready: false };
        throw err;
      }
    },
    ctx,
    polling,
  );
}

/** Deregisters an AMI and deletes its snapshots, asking AWS for them when the build did not learn them yet. */
export async function deleteAmi(ec2: Ec2, ami: { id: string; snapshots: string[] | undefined }, ctx: RunContext) {
  let snapshots = ami.snapshots;
  if (!snapshots) {
    const out = await ec2
      .call(new DescribeImagesCommand({ ImageIds: [ami.id] }), `looking up AMI ${ami.id}`)
      .catch((err: unknown) => {
        if (hasAwsCode(err, 'InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable')) return { Images: [] };
        throw err;
      });
    snapshots = out.Images?.[0] ? snapshotsOf(out.Images[0]) : [];
  }
  ctx.ui.message(`Deregistering AMI ${ami.id} in ${ec2.region}...`);
  try {
    await ec2.call(new DeregisterImageCommand({ ImageId: ami.id }), `deregistering AMI ${ami.id}`);
  } catch (err) {
    if (!hasAwsCode(err, 'InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable')) throw err;
  }
  for (const snapshot of snapshots) {
    ctx.ui.message(`Deleting snapshot ${snapshot} in ${ec2.region}...`);
    try {
      await ec2.call(new DeleteSnapshotCommand({ SnapshotId: snapshot }), `deleting snapshot ${snapshot}`);
    } catch (err) {
      if (!hasAwsCode(err, 'InvalidSnapshot.NotFound')) throw err;
    }
  }
}

/** force_deregister: removes the AMI that holds the name (and, with force_delete_snapshot, its snapshots). */
export function stepDeregisterOld(config: AmazonEbsConfig): Step<AmazonState> {
  return {
    name: 'deregister-old-ami',
    async run(state, ctx) {
      for (const region of [state.ec2.region, ...config.image.regions]) {
        const ec2 = state.regionClient(region);
        const out = await ec2.call(
          new DescribeImagesCommand({ Owners: ['self'], Filters: sdkFilters({ name: [config.image.name] }) }),
          `looking for the AMI named "${config.image.name}" in ${region}`,
          ctx.signal,
        );
        for (const image of out.Images ?? []) {
          ctx.ui.say(`Deregistering the AMI that has the name "${config.image.name}": ${image.ImageId} (${region})`);
          await deleteAmi(
            ec2,
            { id: image.ImageId!, snapshots: config.image.forceDeleteSnapshot ? snapshotsOf(image) : [] },
            ctx,
          );
        }
      }
    },
  };
}

/**
 * Makes the AMI from the stopped instance and waits until it is available (with
 * encrypt_boot, an encrypted copy replaces it). Until the build finishes, every AMI made
 * so far, in any region, is removed in cleanup with its snapshots.
 */
export function stepCreateImage(config: AmazonEbsConfig): Step<AmazonState> {
  const polling = config.access.polling;
  return {
    name: 'create-image',
    async run(state, ctx) {
      const image = config.image;
      const description = image.description && ctx.render(image.description, sourceFields(state));
      ctx.ui.say(`Creating AMI ${image.name} from instance ${state.instanceId}`);
      const out = await state.ec2.call(
        new CreateImageCommand({
          InstanceId: state.instanceId!,
          Name: image.name,
          ...(description ? { Description: description } : {}),
          ...(image.mappings.length ? { BlockDeviceMappings: image.mappings.map(sdkMapping) } : {}),
        }),
        `creating AMI "${image.name}" from instance ${state.instanceId}`,
        ctx.signal,
      );
      let made: MadeAmi = { region: state.ec2.region, id: out.ImageId!, snapshots: undefined };
      state.amis.push(made);
      ctx.ui.message(`AMI: ${made.id}`);
      made.snapshots = snapshotsOf(await waitForImage(state.ec2, made.id, ctx, polling));

      if (image.encryptBoot) {
        ctx.ui.say(`Copying AMI ${made.id} to an encrypted one...`);
        const copy = await state.ec2.call(
          new CopyImageCommand({
            SourceRegion: state.ec2.region,
            SourceImageId: made.id,
            Name: image.name,
            ...(description ? { Description: description } : {}),
            Encrypted: true,
            ...(image.regionKmsKeyIds[state.ec2.region] || image.kmsKeyId
              ? { KmsKeyId: image.regionKmsKeyIds[state.ec2.region] ?? image.kmsKeyId }
              : {}),
          }),
          `making an encrypted copy of AMI ${made.id}`,
          ctx.signal,
        );
        const encrypted: MadeAmi = { region: state.ec2.region, id: copy.ImageId!, snapshots: undefined };
        state.amis.push(encrypted);
        encrypted.snapshots = snapshotsOf(await waitForImage(state.ec2, encrypted.id, ctx, polling));
        ctx.ui.message('Deleting the unencrypted AMI and its snapshots...');
        await deleteAmi(state.ec2, made, ctx);
        state.amis = state.amis.filter((a) => a !== made);
        made = encrypted;
      }
    },
    async cleanup(state, ctx) {
      if (state.finished || state.amis.length === 0) return;
      ctx.ui.say('Deleting the AMIs this failed build made...');
      for (const ami of [...state.amis].reverse()) {
        await deleteAmi(state.regionClient(ami.region), ami, ctx);
        state.amis = state.amis.filter((a) => a !== ami);
      }
    },
    leftover: (state) =>
      !state.finished && state.amis.length
        ? state.amis
            .map(
              (a) =>
                `AMI ${a.id} in ${a.region}${a.snapshots?.length ? ` with snapshots ${a.snapshots.join(', ')}` : ''} (aws ec2 deregister-image --region ${a.region} --image-id ${a.id}, then aws ec2 delete-snapshot for each snapshot)`,
            )
            .join('; ')
        : undefined,
  };
}

/** Copies the AMI to every region of ami_regions, in parallel, and waits for each copy. */
export function stepCopyImages(config: AmazonEbsConfig): Step<AmazonState> {
  return {
    name: 'copy-images',
    async run(state, ctx) {
      const source = state.amis.find((a) => a.region === state.ec2.region)!;
      const description = config.image.description && ctx.render(config.image.description, sourceFields(state));
      await Promise.all(
        config.image.regions.map(async (region) => {
          const ec2 = state.regionClient(region);
          ctx.ui.say(`Copying AMI ${source.id} to ${region}...`);
          const kms = config.image.regionKmsKeyIds[region];
          const out = await ec2.call(
            new CopyImageCommand({
              SourceRegion: state.ec2.region,
              SourceImageId: source.id,
              Name: config.image.name,
              ...(description ? { Description: description } : {}),
              ...(config.image.encryptBoot || kms ? { Encrypted: true } : {}),
              ...(kms ? { KmsKeyId: kms } : {}),
            }),
            `copying AMI ${source.id} to ${region}`,
            ctx.signal,
          );
          const copy: MadeAmi = { region, id: out.ImageId!, snapshots: undefined };
          state.amis.push(copy);
          copy.snapshots = snapshotsOf(await waitForImage(ec2, copy.id, ctx, config.access.polling));
        }),
      );
    },
  };
}

/** Launch and create-volume permissions, then tags, on every AMI and snapshot in every region. */
export function stepShareAndTag(config: AmazonEbsConfig): Step<AmazonState> {
  return {
    name: 'share-and-tag',
    async run(state, ctx) {
      const image = config.image;
      const fields = sourceFields(state);
      const amiTags = sdkTags(renderTags(image.tags, ctx.render, fields));
      const snapshotTags = sdkTags(renderTags(image.snapshotTags, ctx.render, fields));
      for (const ami of state.amis) {
        const ec2 = state.regionClient(ami.region);
        const permissions = [
          ...image.users.map((UserId) => ({ UserId })),
          ...image.groups.map((Group) => ({ Group: Group as 'all' })),
        ];
        if (permissions.length) {
          ctx.ui.message(`Setting launch permissions on ${ami.id} (${ami.region})...`);
          await ec2.call(
            new ModifyImageAttributeCommand({ ImageId: ami.id, LaunchPermission: { Add: permissions } }),
            `sharing AMI ${ami.id}`,
            ctx.signal,
          );
        }
        if (image.snapshotUsers.length || image.snapshotGroups.length)
          for (const snapshot of ami.snapshots ?? [])
            await ec2.call(
              new ModifySnapshotAttributeCommand({
                SnapshotId: snapshot,
                Attribute: 'createVolumePermission',
                OperationType: 'add',
                ...(image.snapshotUsers.length ? { UserIds: image.snapshotUsers } : {}),
                ...(image.snapshotGroups.length ? { GroupNames: image.snapshotGroups } : {}),
              }),
              `sharing snapshot ${snapshot}`,
              ctx.signal,
            );
        if (amiTags.length) {
          ctx.ui.message(`Adding tags to AMI ${ami.id} (${ami.region})...`);
          await ec2.call(
            new CreateTagsCommand({ Resources: [ami.id], Tags: amiTags }),
            `tagging AMI ${ami.id}`,
            ctx.signal,
          );
        }
        if (snapshotTags.length && ami.snapshots?.length)
          await ec2.call(
            new CreateTagsCommand({ Resources: ami.snapshots, Tags: snapshotTags }),
            `tagging the snapshots of AMI ${ami.id}`,
            ctx.signal,
          );
      }
    },
  };
}

/** The last step: from here on the AMIs are the build's artifact, not something to clean up. */
export function stepFinish(): Step<AmazonState> {
  return {
    name: 'finish',
    async run(state) {
      state.finished = true;
    },
  };
}

import { CreateImageCommand } from '@aws-sdk/client-ec2';
import type { RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import type { AwsPolling } from '../../machines/aws/access.js';
import {
  amiLeftovers,
  copyImage,
  deleteAmi,
  deregisterByName,
  shareAndTag,
  snapshotsOf,
  waitForImage,
} from '../../machines/aws/images.js';
import { sdkMapping } from '../../machines/aws/resources.js';
import type { AmazonEbsConfig } from './config.js';
import { renderTags, sourceFields, type AmazonState, type MadeAmi } from './state.js';

/** force_deregister: removes the AMI that holds the name (and, with force_delete_snapshot, its snapshots). */
export function stepDeregisterOld(config: AmazonEbsConfig): Step<AmazonState> {
  return {
    name: 'deregister-old-ami',
    async run(state, ctx) {
      for (const region of [state.ec2.region, ...config.image.regions])
        await deregisterByName(state.regionClient(region), config.image.name, config.image.forceDeleteSnapshot, ctx);
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
        const encrypted = await copyImage(
          made,
          state.ec2,
          {
            name: image.name,
            description,
            encrypted: true,
            kmsKeyId: image.regionKmsKeyIds[state.ec2.region] ?? image.kmsKeyId,
          },
          state.amis,
          ctx,
          polling,
        );
        ctx.ui.message('Deleting the unencrypted AMI and its snapshots...');
        await deleteAmi(state.ec2, made, ctx.ui);
        state.amis = state.amis.filter((a) => a !== made);
        made = encrypted;
      }
    },
    async cleanup(state, ctx) {
      if (state.finished || state.amis.length === 0) return;
      ctx.ui.say('Deleting the AMIs this failed build made...');
      for (const ami of [...state.amis].reverse()) {
        await deleteAmi(state.regionClient(ami.region), ami, ctx.ui);
        state.amis = state.amis.filter((a) => a !== ami);
      }
    },
    leftover: (state) => (state.finished ? undefined : amiLeftovers(state.amis)),
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
          ctx.ui.say(`Copying AMI ${source.id} to ${region}...`);
          const kms = config.image.regionKmsKeyIds[region];
          await copyImage(
            source,
            state.regionClient(region),
            { name: config.image.name, description, encrypted: config.image.encryptBoot, kmsKeyId: kms },
            state.amis,
            ctx,
            config.access.polling,
          );
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
      const spec = {
        users: image.users,
        groups: image.groups,
        snapshotUsers: image.snapshotUsers,
        snapshotGroups: image.snapshotGroups,
        amiTags: renderTags(image.tags, ctx.render, fields),
        snapshotTags: renderTags(image.snapshotTags, ctx.render, fields),
      };
      for (const ami of state.amis) await shareAndTag(state.regionClient(ami.region), ami, spec, ctx);
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

import {
  CopyImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import { UserError } from '../../base/errors.js';
import type { Ui } from '../../base/ui.js';
import type { AwsPolling } from './access.js';
import { hasAwsCode, type Ec2 } from './ec2.js';
import { sdkFilters, sdkTags } from './resources.js';
import { waitFor } from './wait.js';

/** What AMI work needs of a run: where to say things, and when to stop. */
export interface AwsRun {
  ui: Ui;
  signal: AbortSignal;
}

/** An AMI made in one region, with the snapshots behind it. */
export interface MadeAmi {
  region: string;
  id: string;
  /** Unknown until the AMI is available; cleanup asks AWS then. */
  snapshots: string[] | undefined;
}

/** The snapshots behind an AMI's block device mappings. */
export const snapshotsOf = (image: Image) =>
  (image.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId).filter((s): s is string => !!s);

/** Waits until the AMI is available and returns it; a failed AMI fails with AWS's reason. */
export function waitForImage(ec2: Ec2, id: string, run: AwsRun, polling: AwsPolling): Promise<Image> {
  return waitFor<Image>(
    { subject: `AMI ${id} in ${ec2.region}`, goal: 'available' },
    async () => {
      try {
        const out = await ec2.call(new DescribeImagesCommand({ ImageIds: [id] }), `checking AMI ${id}`, run.signal);
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
    run,
    polling,
  );
}

/**
 * Deregisters an AMI and deletes its snapshots, asking AWS for them when they are not
 * known yet. Runs in cleanup, so it ignores cancellation; gone already counts as done.
 */
export async function deleteAmi(ec2: Ec2, ami: { id: string; snapshots: string[] | undefined }, ui: Ui) {
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
  ui.message(`Deregistering AMI ${ami.id} in ${ec2.region}...`);
  try {
    await ec2.call(new DeregisterImageCommand({ ImageId: ami.id }), `deregistering AMI ${ami.id}`);
  } catch (err) {
    if (!hasAwsCode(err, 'InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable')) throw err;
  }
  for (const snapshot of snapshots) await deleteSnapshot(ec2, snapshot, ui);
}

/** Deletes one snapshot; gone already counts as done. */
export async function deleteSnapshot(ec2: Ec2, snapshot: string, ui: Ui): Promise<void> {
  ui.message(`Deleting snapshot ${snapshot} in ${ec2.region}...`);
  try {
    await ec2.call(new DeleteSnapshotCommand({ SnapshotId: snapshot }), `deleting snapshot ${snapshot}`);
  } catch (err) {
    if (!hasAwsCode(err, 'InvalidSnapshot.NotFound')) throw err;
  }
}

/** force_deregister: removes the AMIs of this account that hold `name` (their snapshots too, when asked). */
export async function deregisterByName(ec2: Ec2, name: string, deleteSnapshots: boolean, run: AwsRun): Promise<void> {
  const out = await ec2.call(
    new DescribeImagesCommand({ Owners: ['self'], Filters: sdkFilters({ name: [name] }) }),
    `looking for the AMI named "${name}" in ${ec2.region}`,
    run.signal,
  );
  for (const image of out.Images ?? []) {
    run.ui.say(`Deregistering the AMI that has the name "${name}": ${image.ImageId} (${ec2.region})`);
    await deleteAmi(ec2, { id: image.ImageId!, snapshots: deleteSnapshots ? snapshotsOf(image) : [] }, run.ui);
  }
}

/** Fails early when an AMI of this account already holds `name` (Packer's pre-validate), unless it will be replaced. */
export async function checkNameFree(ec2: Ec2, name: string, forceDeregister: boolean, run: AwsRun): Promise<void> {
  const found = await ec2.call(
    new DescribeImagesCommand({ Owners: ['self'], Filters: sdkFilters({ name: [name] }) }),
    `looking for an AMI already named "${name}"`,
    run.signal,
  );
  const taken = found.Images?.[0];
  if (taken && !forceDeregister)
    throw new UserError(
      `an AMI named "${name}" already exists in ${ec2.region} (${taken.ImageId})`,
      'choose another "ami_name" (add {{timestamp}}), or set "force_deregister": true to replace it',
    );
}

/** How a copy is made: Packer's ami_regions, region_kms_key_ids and encryption. */
export interface CopySpec {
  name: string;
  description: string | undefined;
  encrypted: boolean;
  kmsKeyId: string | undefined;
}

/**
 * Copies an AMI into `target`'s region and waits for it. The copy is pushed to `made`
 * as soon as AWS names it, so a failure later still finds it for cleanup.
 */
export async function copyImage(
  source: MadeAmi,
  target: Ec2,
  spec: CopySpec,
  made: MadeAmi[],
  run: AwsRun,
  polling: AwsPolling,
): Promise<MadeAmi> {
  const out = await target.call(
    new CopyImageCommand({
      SourceRegion: source.region,
      SourceImageId: source.id,
      Name: spec.name,
      ...(spec.description ? { Description: spec.description } : {}),
      ...(spec.encrypted || spec.kmsKeyId ? { Encrypted: true } : {}),
      ...(spec.kmsKeyId ? { KmsKeyId: spec.kmsKeyId } : {}),
    }),
    `copying AMI ${source.id} to ${target.region}`,
    run.signal,
  );
  const copy: MadeAmi = { region: target.region, id: out.ImageId!, snapshots: undefined };
  made.push(copy);
  copy.snapshots = snapshotsOf(await waitForImage(target, copy.id, run, polling));
  return copy;
}

/** Who may launch an AMI or make volumes of its snapshots, and the tags of each. */
export interface ShareSpec {
  users: string[];
  groups: string[];
  snapshotUsers: string[];
  snapshotGroups: string[];
  amiTags: Record<string, string>;
  snapshotTags: Record<string, string>;
}

/** Launch and create-volume permissions, then tags, on one AMI and its snapshots. */
export async function shareAndTag(ec2: Ec2, ami: MadeAmi, spec: ShareSpec, run: AwsRun): Promise<void> {
  const permissions = [
    ...spec.users.map((UserId) => ({ UserId })),
    ...spec.groups.map((Group) => ({ Group: Group as 'all' })),
  ];
  if (permissions.length) {
    run.ui.message(`Setting launch permissions on ${ami.id} (${ami.region})...`);
    await ec2.call(
      new ModifyImageAttributeCommand({ ImageId: ami.id, LaunchPermission: { Add: permissions } }),
      `sharing AMI ${ami.id}`,
      run.signal,
    );
  }
  if (spec.snapshotUsers.length || spec.snapshotGroups.length)
    for (const snapshot of ami.snapshots ?? [])
      await ec2.call(
        new ModifySnapshotAttributeCommand({
          SnapshotId: snapshot,
          Attribute: 'createVolumePermission',
          OperationType: 'add',
          ...(spec.snapshotUsers.length ? { UserIds: spec.snapshotUsers } : {}),
          ...(spec.snapshotGroups.length ? { GroupNames: spec.snapshotGroups } : {}),
        }),
        `sharing snapshot ${snapshot}`,
        run.signal,
      );
  const amiTags = sdkTags(spec.amiTags);
  if (amiTags.length) {
    run.ui.message(`Adding tags to AMI ${ami.id} (${ami.region})...`);
    await ec2.call(new CreateTagsCommand({ Resources: [ami.id], Tags: amiTags }), `tagging AMI ${ami.id}`, run.signal);
  }
  const snapshotTags = sdkTags(spec.snapshotTags);
  if (snapshotTags.length && ami.snapshots?.length)
    await ec2.call(
      new CreateTagsCommand({ Resources: ami.snapshots, Tags: snapshotTags }),
      `tagging the snapshots of AMI ${ami.id}`,
      run.signal,
    );
}

/** What is left in AWS when cleanup could not run, with the commands that remove it. */
export function amiLeftovers(amis: MadeAmi[]): string | undefined {
  return amis.length
    ? amis
        .map(
          (a) =>
            `AMI ${a.id} in ${a.region}${a.snapshots?.length ? ` with snapshots ${a.snapshots.join(', ')}` : ''} (aws ec2 deregister-image --region ${a.region} --image-id ${a.id}, then aws ec2 delete-snapshot for each snapshot)`,
        )
        .join('; ')
    : undefined;
}

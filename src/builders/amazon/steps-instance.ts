import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  type RunInstancesCommandInput,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import { UserError } from '../../base/errors.js';
import { stepConnectSsh } from '../../communicators/ssh/step-connect.js';
import type { RunContext } from '../../core/plugin.js';
import type { Step } from '../../core/steps.js';
import { hasAwsCode } from '../../machines/aws/ec2.js';
import { sdkMapping, sdkTags } from '../../machines/aws/resources.js';
import { waitFor, type Look } from '../../machines/aws/wait.js';
import type { AmazonEbsConfig, GuestAccess } from './config.js';
import { renderTags, sourceFields, type AmazonState } from './state.js';

/** The RunInstances request for the template: one instance of the source AMI, tagged, in the chosen network. */
export async function runInstancesInput(
  config: AmazonEbsConfig,
  state: AmazonState,
  ctx: RunContext,
): Promise<RunInstancesCommandInput> {
  const i = config.instance;
  const fields = sourceFields(state);
  const runTags = renderTags({ Name: 'Boxwright Builder', ...i.runTags }, ctx.render, fields);
  const volumeTags = renderTags(i.runVolumeTags, ctx.render, fields);
  const tagSpecs: TagSpecification[] = [{ ResourceType: 'instance', Tags: sdkTags(runTags) }];
  if (Object.keys(volumeTags).length) tagSpecs.push({ ResourceType: 'volume', Tags: sdkTags(volumeTags) });
  const userData =
    i.userData && 'file' in i.userData
      ? await readFile(path.resolve(ctx.cwd, i.userData.file))
      : i.userData
        ? Buffer.from(i.userData.text)
        : undefined;
  const groups = state.securityGroupIds ?? [];
  // A public address can only be asked for on a network interface, which then carries the subnet and groups.
  const network =
    i.associatePublicIpAddress !== undefined
      ? {
          NetworkInterfaces: [
            {
              DeviceIndex: 0,
              AssociatePublicIpAddress: i.associatePublicIpAddress,
              DeleteOnTermination: true,
              ...(state.subnetId ? { SubnetId: state.subnetId } : {}),
              ...(groups.length ? { Groups: groups } : {}),
            },
          ],
        }
      : {
          ...(state.subnetId ? { SubnetId: state.subnetId } : {}),
          ...(groups.length ? { SecurityGroupIds: groups } : {}),
        };
  return {
    ImageId: state.sourceImage!.ImageId!,
    InstanceType: i.type as RunInstancesCommandInput['InstanceType'],
    MinCount: 1,
    MaxCount: 1,
    ...(state.keyName ? { KeyName: state.keyName } : {}),
    ...network,
    ...(state.availabilityZone || i.tenancy
      ? {
          Placement: {
            ...(state.availabilityZone ? { AvailabilityZone: state.availabilityZone } : {}),
            ...(i.tenancy ? { Tenancy: i.tenancy } : {}),
          },
        }
      : {}),
    ...(userData ? { UserData: userData.toString('base64') } : {}),
    ...(i.iamInstanceProfile ? { IamInstanceProfile: { Name: i.iamInstanceProfile } } : {}),
    EbsOptimized: i.ebsOptimized,
    InstanceInitiatedShutdownBehavior: i.shutdownBehavior,
    ...(i.launchMappings.length ? { BlockDeviceMappings: i.launchMappings.map(sdkMapping) } : {}),
    ...(i.metadataOptions
      ? {
          MetadataOptions: {
            HttpEndpoint: i.metadataOptions.httpEndpoint as 'enabled',
            HttpTokens: i.metadataOptions.httpTokens as 'optional',
            HttpPutResponseHopLimit: i.metadataOptions.hopLimit,
          },
        }
      : {}),
    ...(i.t2Unlimited ? { CreditSpecification: { CpuCredits: 'unlimited' } } : {}),
    TagSpecifications: tagSpecs,
  };
}

/** One look at the instance, for the waits below. */
async function lookAtInstance(state: AmazonState, id: string, signal?: AbortSignal): Promise<Instance | undefined> {
  try {
    const out = await state.ec2.call(
      new DescribeInstancesCommand({ InstanceIds: [id] }),
      `checking instance ${id}`,
      signal,
    );
    return out.Reservations?.[0]?.Instances?.[0];
  } catch (err) {
    // EC2 is eventually consistent: a new instance may not be visible for a moment.
    if (hasAwsCode(err, 'InvalidInstanceID.NotFound')) return undefined;
    throw err;
  }
}

function untilState(
  state: AmazonState,
  id: string,
  wanted: string,
  signal?: AbortSignal,
  gone: string[] = [],
): () => Promise<Look<Instance>> {
  return async () => {
    const instance = await lookAtInstance(state, id, signal);
    const name = instance?.State?.Name ?? 'not visible yet';
    if (instance && name === wanted) return { state: name, ready: true, value: instance };
    if (gone.includes(name))
      return { state: name, failed: `the instance is ${name}: ${instance?.StateReason?.Message ?? 'no reason given'}` };
    return { state: name, ready: false };
  };
}

/**
 * Launches the source instance and waits until it runs. Cleanup terminates it, waits
 * until it is gone, and deletes any volume it left behind.
 */
export function stepRunInstance(config: AmazonEbsConfig): Step<AmazonState> {
  const polling = config.access.polling;
  return {
    name: 'run-instance',
    async run(state, ctx) {
      ctx.ui.say('Launching a source AWS instance...');
      const out = await state.ec2.call(
        new RunInstancesCommand(await runInstancesInput(config, state, ctx)),
        `launching a ${config.instance.type} instance from ${state.sourceImage!.ImageId}`,
        ctx.signal,
      );
      const id = out.Instances?.[0]?.InstanceId;
      if (!id) throw new Error('internal: RunInstances returned no instance id');
      state.instanceId = id;
      ctx.ui.message(`Instance ID: ${id}`);
      const instance = await waitFor(
        { subject: `instance ${id}`, goal: 'running' },
        untilState(state, id, 'running', ctx.signal, ['shutting-down', 'terminated', 'stopping', 'stopped']),
        ctx,
        polling,
      );
      state.instance = instance;
      state.volumeIds = (instance.BlockDeviceMappings ?? [])
        .map((m) => m.Ebs?.VolumeId)
        .filter((v): v is string => !!v);
      const address = instance.PublicIpAddress ?? instance.PrivateIpAddress;
      if (address) ctx.ui.message(`Instance address: ${address}`);
    },
    async cleanup(state, ctx) {
      const id = state.instanceId;
      if (!id) return;
      ctx.ui.say(`Terminating the source AWS instance ${id}...`);
      try {
        await state.ec2.call(new TerminateInstancesCommand({ InstanceIds: [id] }), `terminating instance ${id}`);
      } catch (err) {
        if (!hasAwsCode(err, 'InvalidInstanceID.NotFound')) throw err;
      }
      await waitFor(
        { subject: `instance ${id}`, goal: 'terminated' },
        untilState(state, id, 'terminated'),
        ctx,
        polling,
      );
      state.instanceId = undefined;
      await deleteLeftVolumes(state, ctx);
    },
    leftover: (state) =>
      state.instanceId
        ? `EC2 instance ${state.instanceId} in ${state.ec2.region} (aws ec2 terminate-instances --region ${state.ec2.region} --instance-ids ${state.instanceId})`
        : undefined,
  };
}

/** Volumes the instance kept after termination (delete_on_termination false) would cost money: delete them. */
async function deleteLeftVolumes(state: AmazonState, ctx: RunContext): Promise<void> {
  const ids = state.volumeIds ?? [];
  if (!ids.length) return;
  const out = await state.ec2.call(
    new DescribeVolumesCommand({ Filters: [{ Name: 'volume-id', Values: ids }] }),
    'looking for volumes the instance left',
  );
  for (const volume of out.Volumes ?? []) {
    if (volume.State !== 'available' || !volume.VolumeId) continue;
    ctx.ui.message(`Deleting volume ${volume.VolumeId} left by the instance...`);
    await state.ec2.call(new DeleteVolumeCommand({ VolumeId: volume.VolumeId }), `deleting volume ${volume.VolumeId}`);
  }
  state.volumeIds = undefined;
}

/** The address to SSH to: ssh_host, else the one ssh_interface names, else the public IP, else the private one. */
export function sshAddress(access: Extract<GuestAccess, { kind: 'ssh' }>, instance: Instance): string {
  if (access.ssh.host) return access.ssh.host;
  const byInterface: Record<string, string | undefined> = {
    public_ip: instance.PublicIpAddress,
    private_ip: instance.PrivateIpAddress,
    public_dns: instance.PublicDnsName,
    private_dns: instance.PrivateDnsName,
  };
  const host = access.sshInterface
    ? byInterface[access.sshInterface]
    : (instance.PublicIpAddress ?? instance.PrivateIpAddress);
  if (!host)
    throw new UserError(
      `instance ${instance.InstanceId} has no ${access.sshInterface?.replace('_', ' ') ?? 'IP address'} to connect to`,
      access.sshInterface === 'public_ip' || !access.sshInterface
        ? 'set "associate_public_ip_address": true, or "ssh_interface": "private_ip" when this machine is inside the VPC'
        : 'choose another "ssh_interface"',
    );
  return host;
}

/** Waits for SSH on the instance with the build's key (the temporary one, else ssh_private_key_file), and connects. */
export function stepConnectInstance(access: Extract<GuestAccess, { kind: 'ssh' }>): Step<AmazonState> {
  return stepConnectSsh<AmazonState>(
    (state) => ({ ...access.ssh, privateKeyFile: state.temporaryKey?.privateKeyFile ?? access.ssh.privateKeyFile }),
    (state) => ({ host: sshAddress(access, state.instance!), port: access.ssh.port }),
  );
}

/**
 * Stops the instance so its volumes are consistent for the image (or, with
 * disable_stop_instance, waits for the provisioners to have stopped it), then sets
 * ENA/SR-IOV support on it so the AMI inherits them.
 */
export function stepStopInstance(config: AmazonEbsConfig): Step<AmazonState> {
  return {
    name: 'stop-instance',
    async run(state, ctx) {
      const id = state.instanceId!;
      if (config.instance.disableStopInstance) {
        ctx.ui.say('Automatic instance stop disabled: waiting for the provisioners to have stopped the instance...');
      } else {
        ctx.ui.say('Stopping the source instance...');
        await state.ec2.call(new StopInstancesCommand({ InstanceIds: [id] }), `stopping instance ${id}`, ctx.signal);
      }
      await waitFor(
        { subject: `instance ${id}`, goal: 'stopped' },
        untilState(state, id, 'stopped', ctx.signal, ['shutting-down', 'terminated']),
        ctx,
        config.access.polling,
      );
      if (config.image.enaSupport !== undefined) {
        ctx.ui.message(`${config.image.enaSupport ? 'Enabling' : 'Disabling'} ENA support on ${id}...`);
        await state.ec2.call(
          new ModifyInstanceAttributeCommand({ InstanceId: id, EnaSupport: { Value: config.image.enaSupport } }),
          `setting ENA support on instance ${id}`,
          ctx.signal,
        );
      }
      if (config.image.sriovSupport) {
        ctx.ui.message(`Enabling SR-IOV support on ${id}...`);
        await state.ec2.call(
          new ModifyInstanceAttributeCommand({ InstanceId: id, SriovNetSupport: { Value: 'simple' } }),
          `setting SR-IOV support on instance ${id}`,
          ctx.signal,
        );
      }
    },
  };
}

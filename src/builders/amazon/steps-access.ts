import { randomUUID } from 'node:crypto';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  ImportKeyPairCommand,
} from '@aws-sdk/client-ec2';
import { sleep } from '../../base/errors.js';
import type { Step } from '../../core/steps.js';
import type { AwsPolling } from '../../machines/aws/access.js';
import { hasAwsCode } from '../../machines/aws/ec2.js';
import { waitFor } from '../../machines/aws/wait.js';
import type { AmazonState } from './state.js';

/**
 * Puts the public half of the build's temporary key into EC2 as a key pair, so the
 * instance starts with it; the private half never leaves this machine. Deleted in cleanup.
 */
export function stepImportKeyPair(name: string | undefined): Step<AmazonState> {
  return {
    name: 'key-pair',
    async run(state, ctx) {
      const keyName = name ?? `boxwright_${randomUUID()}`;
      ctx.ui.say(`Creating temporary key pair: ${keyName}`);
      await state.ec2.call(
        new ImportKeyPairCommand({
          KeyName: keyName,
          PublicKeyMaterial: new TextEncoder().encode(state.temporaryKey!.publicKey),
        }),
        `creating the temporary key pair ${keyName}`,
        ctx.signal,
      );
      state.importedKeyName = keyName;
      state.keyName = keyName;
    },
    async cleanup(state, ctx) {
      const keyName = state.importedKeyName;
      if (!keyName) return;
      ctx.ui.say(`Deleting temporary key pair: ${keyName}`);
      await state.ec2.call(new DeleteKeyPairCommand({ KeyName: keyName }), `deleting key pair ${keyName}`);
      state.importedKeyName = undefined;
    },
    leftover: (state) =>
      state.importedKeyName
        ? `EC2 key pair ${state.importedKeyName} in ${state.ec2.region} (aws ec2 delete-key-pair --region ${state.ec2.region} --key-name ${state.importedKeyName})`
        : undefined,
  };
}

/**
 * A security group open on the SSH port from the given CIDRs only, made when the
 * template names no group. Its deletion is retried while the instance still holds it.
 */
export function stepTemporarySecurityGroup(cidrs: string[], port: number, polling: AwsPolling): Step<AmazonState> {
  return {
    name: 'security-group',
    async run(state, ctx) {
      const groupName = `boxwright_${randomUUID()}`;
      ctx.ui.say(`Creating temporary security group for this instance: ${groupName}`);
      const made = await state.ec2.call(
        new CreateSecurityGroupCommand({
          GroupName: groupName,
          Description: 'Temporary group for a boxwright build',
          ...(state.vpcId ? { VpcId: state.vpcId } : {}),
        }),
        `creating the temporary security group ${groupName}`,
        ctx.signal,
      );
      const groupId = made.GroupId!;
      state.temporaryGroupId = groupId;
      state.securityGroupIds = [groupId];
      await waitFor(
        { subject: `security group ${groupId}`, goal: 'visible' },
        async () => {
          try {
            const out = await state.ec2.call(
              new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }),
              `checking security group ${groupId}`,
              ctx.signal,
            );
            return out.SecurityGroups?.length
              ? { state: 'visible', ready: true, value: undefined }
              : { state: 'not visible yet', ready: false };
          } catch (err) {
            if (hasAwsCode(err, 'InvalidGroup.NotFound')) return { state: 'not visible yet', ready: false };
            throw err;
          }
        },
        ctx,
        polling,
      );
      const v4 = cidrs.filter((c) => !c.includes(':'));
      const v6 = cidrs.filter((c) => c.includes(':'));
      ctx.ui.message(`Authorizing access to port ${port} from ${cidrs.join(', ')} in the temporary security group...`);
      await state.ec2.call(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: port,
              ToPort: port,
              ...(v4.length ? { IpRanges: v4.map((CidrIp) => ({ CidrIp })) } : {}),
              ...(v6.length ? { Ipv6Ranges: v6.map((CidrIpv6) => ({ CidrIpv6 })) } : {}),
            },
          ],
        }),
        `opening port ${port} in security group ${groupId}`,
        ctx.signal,
      );
    },
    async cleanup(state, ctx) {
      const groupId = state.temporaryGroupId;
      if (!groupId) return;
      ctx.ui.say('Deleting temporary security group...');
      // A terminated instance holds its group for a while; AWS says DependencyViolation until it lets go.
      const attempts = Math.min(polling.maxAttempts, 60);
      for (let attempt = 1; ; attempt++) {
        try {
          await state.ec2.call(
            new DeleteSecurityGroupCommand({ GroupId: groupId }),
            `deleting security group ${groupId}`,
          );
          break;
        } catch (err) {
          if (hasAwsCode(err, 'InvalidGroup.NotFound')) break;
          if (!hasAwsCode(err, 'DependencyViolation') || attempt >= attempts) throw err;
          ctx.log(`security group ${groupId} is still in use (attempt ${attempt}); retrying`);
          await sleep(polling.delayMs, ctx.signal);
        }
      }
      state.temporaryGroupId = undefined;
    },
    leftover: (state) =>
      state.temporaryGroupId
        ? `security group ${state.temporaryGroupId} in ${state.ec2.region} (aws ec2 delete-security-group --region ${state.ec2.region} --group-id ${state.temporaryGroupId})`
        : undefined,
  };
}

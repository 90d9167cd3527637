import {
  DescribeImagesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import { UserError } from '../../base/errors.js';
import type { Step } from '../../core/steps.js';
import { checkNameFree } from '../../machines/aws/images.js';
import { sdkFilters, type Filters } from '../../machines/aws/resources.js';
import type { AmazonEbsConfig } from './config.js';
import type { AmazonState } from './state.js';

const describeFilters = (filters: Filters) =>
  Object.entries(filters)
    .map(([k, v]) => `${k}=${v.join('|')}`)
    .join(', ');

/** Fails before anything is made: no credentials, or an AMI name already taken (Packer's pre-validate). */
export function stepPreValidate(config: AmazonEbsConfig): Step<AmazonState> {
  return {
    name: 'pre-validate',
    async run(state, ctx) {
      if (config.access.validateCredentials) await state.ec2.checkCredentials();
      if (config.image.skipCreate) return;
      ctx.ui.say(`Prevalidating AMI name: ${config.image.name}`);
      await checkNameFree(state.ec2, config.image.name, config.image.forceDeregister, ctx);
    },
  };
}

/** Finds the source AMI by id or by filter (the newest match with most_recent). */
export function stepSourceAmi(config: AmazonEbsConfig): Step<AmazonState> {
  return {
    name: 'source-ami',
    async run(state, ctx) {
      const source = config.source;
      const out = await state.ec2.call(
        new DescribeImagesCommand(
          source.kind === 'id'
            ? { ImageIds: [source.id] }
            : {
                Filters: sdkFilters(source.filters),
                ...(source.owners.length ? { Owners: source.owners } : {}),
              },
        ),
        source.kind === 'id' ? `looking up the source AMI ${source.id}` : 'looking up the source AMI by filter',
        ctx.signal,
      );
      const images = out.Images ?? [];
      if (images.length === 0)
        throw new UserError(
          source.kind === 'id'
            ? `the source AMI ${source.id} was not found in ${state.ec2.region}`
            : `no AMI in ${state.ec2.region} matches the source_ami_filter (${describeFilters(source.filters)}${source.owners.length ? `; owners ${source.owners.join(', ')}` : ''})`,
          'AMIs are per region: check "region" and the id or filter',
        );
      if (images.length > 1 && !(source.kind === 'filter' && source.mostRecent))
        throw new UserError(
          `${images.length} AMIs match the source_ami_filter (${describeFilters(source.kind === 'filter' ? source.filters : {})})`,
          'narrow the filter, or set "most_recent": true to take the newest',
        );
      state.sourceImage = newest(images);
      ctx.ui.message(`Found Image ID: ${state.sourceImage.ImageId} (${state.sourceImage.Name ?? 'no name'})`);
    },
  };
}

function newest(images: Image[]): Image {
  return [...images].sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0]!;
}

/** Resolves vpc_filter, subnet_id/subnet_filter and security_group_filter to ids. */
export function stepNetwork(config: AmazonEbsConfig): Step<AmazonState> {
  return {
    name: 'network',
    async run(state, ctx) {
      const { vpc, subnet, securityGroups } = config.instance;
      state.availabilityZone = config.instance.availabilityZone;
      if (vpc.kind === 'id') state.vpcId = vpc.id;
      if (vpc.kind === 'filter') {
        const out = await state.ec2.call(
          new DescribeVpcsCommand({ Filters: sdkFilters(vpc.filters) }),
          'looking up the VPC by vpc_filter',
          ctx.signal,
        );
        const vpcs = out.Vpcs ?? [];
        if (vpcs.length !== 1)
          throw new UserError(
            `vpc_filter (${describeFilters(vpc.filters)}) matched ${vpcs.length} VPCs; it must match exactly one`,
            'narrow the filter, or give "vpc_id"',
          );
        state.vpcId = vpcs[0]!.VpcId;
      }
      if (subnet.kind !== 'default') {
        const filters = subnet.kind === 'filter' ? { ...subnet.filters } : {};
        if (subnet.kind === 'filter' && state.vpcId) filters['vpc-id'] = [state.vpcId];
        if (subnet.kind === 'filter' && state.availabilityZone) filters['availability-zone'] = [state.availabilityZone];
        const out = await state.ec2.call(
          new DescribeSubnetsCommand(
            subnet.kind === 'id' ? { SubnetIds: [subnet.id] } : { Filters: sdkFilters(filters) },
          ),
          subnet.kind === 'id' ? `looking up subnet ${subnet.id}` : 'looking up the subnet by subnet_filter',
          ctx.signal,
        );
        let subnets = out.Subnets ?? [];
        if (subnet.kind === 'filter' && subnets.length > 1 && config.instance.subnetMostFree)
          subnets = [
            [...subnets].sort((a, b) => (b.AvailableIpAddressCount ?? 0) - (a.AvailableIpAddressCount ?? 0))[0]!,
          ];
        if (subnets.length !== 1)
          throw new UserError(
            subnet.kind === 'id'
              ? `subnet ${subnet.id} was not found in ${state.ec2.region}`
              : `subnet_filter (${describeFilters(filters)}) matched ${subnets.length} subnets; it must match exactly one`,
            subnet.kind === 'id' ? 'check "subnet_id" and "region"' : 'narrow the filter, or set "most_free": true',
          );
        const chosen = subnets[0]!;
        state.subnetId = chosen.SubnetId;
        state.vpcId = chosen.VpcId ?? state.vpcId;
        state.availabilityZone = chosen.AvailabilityZone ?? state.availabilityZone;
        ctx.ui.message(`Using subnet ${state.subnetId} in ${state.vpcId ?? 'the default VPC'}`);
      }
      if (securityGroups.kind === 'ids') state.securityGroupIds = securityGroups.ids;
      if (securityGroups.kind === 'filter') {
        const filters = { ...securityGroups.filters, ...(state.vpcId ? { 'vpc-id': [state.vpcId] } : {}) };
        const out = await state.ec2.call(
          new DescribeSecurityGroupsCommand({ Filters: sdkFilters(filters) }),
          'looking up security groups by security_group_filter',
          ctx.signal,
        );
        const ids = (out.SecurityGroups ?? []).map((g) => g.GroupId!).filter(Boolean);
        if (ids.length === 0)
          throw new UserError(
            `security_group_filter (${describeFilters(filters)}) matched no security group`,
            'check the filter',
          );
        state.securityGroupIds = ids;
      }
    },
  };
}

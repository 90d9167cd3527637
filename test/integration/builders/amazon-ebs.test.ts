import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cancelOutlivingRuns, runCli, tempDir, writeTemplate } from '../../support/cli.js';
import { awsError, FakeEc2 } from '../../support/fake-ec2.js';
import { startSshd, TEST_USER, type Sshd } from '../../support/sshd.js';

// EC2 is the only part replaced: the SDK clients are real (aws-sdk-client-mock answers
// their requests), the instance is a real sshd on 127.0.0.1 that gets the build's
// temporary key when EC2 would put it there, and the provisioners run over real SSH.
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';

let sshd: Sshd;
let ec2: FakeEc2;

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.dispose();
});
beforeEach(() => {
  ec2 = new FakeEc2();
  ec2.onKeyImported = (key) => appendFileSync(path.join(sshd.dir, 'authorized_keys'), `${key}\n`);
});
afterEach(async () => {
  await cancelOutlivingRuns();
  ec2.restore();
});

function builder(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'amazon-ebs',
    region: 'us-east-1',
    access_key: 'AKIAIOSFODNN7EXAMPLE',
    secret_key: SECRET_KEY,
    source_ami_filter: { filters: { name: 'debian-12-amd64-*' }, owners: ['136693071363'], most_recent: true },
    instance_type: 't3.micro',
    ssh_username: TEST_USER,
    ssh_port: sshd.port,
    temporary_key_pair_type: 'ed25519',
    ami_name: 'app {{timestamp}}',
    aws_polling: { delay_seconds: 1, max_attempts: 20 },
    ...extra,
  };
}

async function build(
  extra: Record<string, unknown> = {},
  provisioners: unknown[] = [{ type: 'shell', inline: ['echo provisioned-by-$(id -un)'] }],
  args: string[] = [],
) {
  const dir = tempDir();
  const file = writeTemplate(dir, { builders: [builder(extra)], provisioners });
  const run = await runCli(['build', '-color=false', ...args, file], { cwd: dir });
  expect(run.all).not.toContain(SECRET_KEY);
  return run;
}

describe('amazon-ebs', () => {
  it('launches, provisions over SSH, stops, makes the AMI and releases everything else, in Packer order', async () => {
    const run = await build();
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain('provisioned-by-boxwright-test');
    const ops = ec2.ops().filter((op) => !['DescribeInstances', 'DescribeSecurityGroups'].includes(op));
    expect(ops).toEqual([
      'DescribeImages', // the AMI name is free
      'DescribeImages', // the source AMI
      'ImportKeyPair',
      'CreateSecurityGroup',
      'AuthorizeSecurityGroupIngress',
      'RunInstances',
      'StopInstances',
      'CreateImage',
      'DescribeImages', // until available
      'DescribeImages',
      'TerminateInstances',
      'DescribeVolumes',
      'DeleteSecurityGroup',
      'DeleteKeyPair',
    ]);
    const ami = [...ec2.images.values()].find((i) => i.own)!;
    expect(run.all).toContain(`us-east-1: ${ami.ImageId}`);
    expect(ec2.leftovers()).toEqual([`AMI ${ami.ImageId} (us-east-1)`, ...ami.snapshots.map((s) => `snapshot ${s}`)]);
  });

  it('builds the requests from the template: source, key, group, tags with source fields, user data, mappings', async () => {
    const run = await build({
      run_tags: { Role: 'build of {{ .SourceAMIName }}' },
      tags: { Base: '{{ .SourceAMI }}', Region: '{{ .BuildRegion }}' },
      user_data: '#cloud-config\n',
      launch_block_device_mappings: [{ device_name: '/dev/xvdb', volume_size: 4, volume_type: 'gp3' }],
      temporary_security_group_source_cidrs: ['203.0.113.0/24'],
      ena_support: true,
      tenancy: 'dedicated',
      ami_description: 'from {{ .SourceAMI }}',
    });
    expect(run.code, run.all).toBe(0);
    const runInput = ec2.inputOf('RunInstances');
    const key = ec2.inputOf('ImportKeyPair').KeyName as string;
    const group = ec2.calls.find((c) => c.op === 'AuthorizeSecurityGroupIngress')!.input;
    expect(runInput).toMatchObject({
      ImageId: 'ami-0source0000000001',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      KeyName: key,
      SecurityGroupIds: [group.GroupId],
      UserData: Buffer.from('#cloud-config\n').toString('base64'),
      Placement: { Tenancy: 'dedicated' },
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 4, VolumeType: 'gp3', DeleteOnTermination: false } },
      ],
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'Name', Value: 'Boxwright Builder' },
            { Key: 'Role', Value: 'build of debian-12-amd64-20260101' },
          ],
        },
      ],
    });
    expect(group.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: sshd.port, ToPort: sshd.port, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
    ]);
    expect(ec2.inputOf('ModifyInstanceAttribute')).toMatchObject({ EnaSupport: { Value: true } });
    expect(ec2.inputOf('CreateImage')).toMatchObject({ Description: 'from ami-0source0000000001' });
    expect(ec2.inputOf('CreateTags')).toMatchObject({
      Tags: [
        { Key: 'Base', Value: 'ami-0source0000000001' },
        { Key: 'Region', Value: 'us-east-1' },
      ],
    });
    // The launch mapping kept its volume at termination; the build deleted it.
    expect(ec2.ops()).toContain('DeleteVolume');
    expect(ec2.leftovers().filter((l) => !/^(AMI|snapshot) /.test(l))).toEqual([]);
  });

  it.each([
    ['CreateSecurityGroup', ['ImportKeyPair']],
    ['AuthorizeSecurityGroupIngress', ['ImportKeyPair', 'CreateSecurityGroup']],
    ['RunInstances', ['ImportKeyPair', 'CreateSecurityGroup']],
    ['DescribeInstances', ['RunInstances']],
    ['StopInstances', ['RunInstances']],
    ['CreateImage', ['RunInstances']],
    ['CreateTags', ['RunInstances', 'CreateImage']],
    ['ModifyImageAttribute', ['RunInstances', 'CreateImage']],
  ] as const)('a failure of %s removes what was made before it', async (failing, made) => {
    ec2.failNext(failing, awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const run = await build({ tags: { Name: 'app' }, ami_users: ['444455556666'] });
    expect(run.code, run.all).toBe(1);
    expect(run.all).toContain(`${failing} (`);
    expect(run.all).toContain('UnauthorizedOperation: You are not authorized to perform this operation.');
    for (const op of made) expect(ec2.ops()).toContain(op);
    expect(ec2.leftovers()).toEqual([]);
  });

  it('a failure while the AMI is pending deregisters it and deletes its snapshots', async () => {
    // Name check, source lookup, first look at the new AMI; the next look fails while it is pending.
    ec2.failNext(
      'DescribeImages',
      awsError('AuthFailure', 'AWS was not able to validate the provided access credentials'),
      {
        after: 3,
      },
    );
    const run = await build();
    expect(run.code, run.all).toBe(1);
    expect(run.all).toContain('AuthFailure');
    expect(ec2.ops()).toContain('DeregisterImage');
    expect(ec2.leftovers()).toEqual([]);
  });

  it('retries throttled calls and a security group still held by the terminating instance', async () => {
    ec2.failNext('RunInstances', awsError('RequestLimitExceeded', 'Request limit exceeded.'));
    ec2.failNext('DeleteSecurityGroup', awsError('DependencyViolation', 'resource has a dependent object'));
    ec2.failNext('DeleteSecurityGroup', awsError('DependencyViolation', 'resource has a dependent object'));
    const run = await build();
    expect(run.code, run.all).toBe(0);
    expect(ec2.ops().filter((op) => op === 'RunInstances')).toHaveLength(2);
    expect(ec2.ops().filter((op) => op === 'DeleteSecurityGroup')).toHaveLength(3);
    expect(ec2.leftovers().filter((l) => !/^(AMI|snapshot) /.test(l))).toEqual([]);
  });

  it('refuses a taken AMI name before making anything, and replaces it with force_deregister', async () => {
    const first = await build({ ami_name: 'app-fixed' });
    expect(first.code, first.all).toBe(0);
    const old = [...ec2.images.values()].find((i) => i.own)!;
    const callsBefore = ec2.calls.length;

    const refused = await build({ ami_name: 'app-fixed' });
    expect(refused.code).toBe(1);
    expect(refused.all).toContain(`an AMI named "app-fixed" already exists in us-east-1 (${old.ImageId})`);
    expect(refused.all).toContain('"force_deregister": true');
    expect(ec2.calls.slice(callsBefore).map((c) => c.op)).toEqual(['DescribeImages']);

    const replaced = await build({ ami_name: 'app-fixed', force_deregister: true, force_delete_snapshot: true });
    expect(replaced.code, replaced.all).toBe(0);
    expect(ec2.images.has(old.ImageId)).toBe(false);
    for (const s of old.snapshots) expect(ec2.snapshots.has(s)).toBe(false);
    expect([...ec2.images.values()].filter((i) => i.own)).toHaveLength(1);
  });

  it('copies the AMI to each of ami_regions, and a failed copy removes the AMIs of every region', async () => {
    const ok = await build({ ami_regions: ['eu-west-1', 'ap-southeast-2'], ami_users: ['444455556666'] });
    expect(ok.code, ok.all).toBe(0);
    const copies = ec2.calls.filter((c) => c.op === 'CopyImage');
    expect(copies.map((c) => c.region).sort()).toEqual(['ap-southeast-2', 'eu-west-1']);
    expect(copies[0]!.input).toMatchObject({ SourceRegion: 'us-east-1' });
    const amis = [...ec2.images.values()].filter((i) => i.own);
    expect(amis.map((a) => a.region).sort()).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1']);
    for (const a of amis) expect(ok.all).toContain(`${a.region}: ${a.ImageId}`);
    expect(ec2.calls.filter((c) => c.op === 'ModifyImageAttribute')).toHaveLength(3);

    for (const a of amis) ec2.images.delete(a.ImageId);
    ec2.snapshots.clear();
    ec2.failNext('CopyImage', awsError('InvalidRequest', 'copy refused'));
    const failed = await build({ ami_regions: ['eu-west-1', 'ap-southeast-2'] });
    expect(failed.code).toBe(1);
    expect(failed.all).toContain('CopyImage (copying AMI');
    expect(ec2.leftovers()).toEqual([]);
  });

  it('Ctrl-C during provisioning terminates the instance and deletes the key pair and the security group', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    const marker = path.join(dir, 'provisioning-started');
    const file = writeTemplate(dir, {
      builders: [builder()],
      provisioners: [{ type: 'shell', inline: [`touch ${marker}`, 'sleep 60'] }],
    });
    const before = process.listeners('SIGINT');
    const running = runCli(['build', '-color=false', file], { cwd: dir });
    const until = Date.now() + 30_000;
    while (!existsSync(marker)) {
      if (Date.now() > until) throw new Error('provisioning did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    // What the kernel would do on Ctrl-C: call the CLI's SIGINT handler (not the test runner's).
    for (const listener of process.listeners('SIGINT').filter((l) => !before.includes(l)))
      (listener as (s: string) => void)('SIGINT');
    const run = await running;
    expect(run.code).not.toBe(0);
    expect(ec2.ops()).toEqual(expect.arrayContaining(['TerminateInstances', 'DeleteSecurityGroup', 'DeleteKeyPair']));
    expect(ec2.ops()).not.toContain('CreateImage');
    expect(ec2.leftovers()).toEqual([]);
  });

  it('uploads with the file provisioner, and a vagrant aws box and the manifest carry the AMI ids', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'motd'), 'built by boxwright\n');
    const file = writeTemplate(dir, {
      builders: [builder({ name: 'aws' })],
      provisioners: [
        { type: 'file', source: 'motd', destination: '/tmp/boxwright-motd' },
        { type: 'shell', inline: ['cat /tmp/boxwright-motd', 'rm /tmp/boxwright-motd'] },
      ],
      'post-processors': [
        { type: 'vagrant', output: 'aws.box' },
        { type: 'manifest', output: 'manifest.json' },
      ],
    });
    const run = await runCli(['build', '-color=false', file], { cwd: dir });
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain('aws: built by boxwright');
    const ami = [...ec2.images.values()].find((i) => i.own)!;
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.builds[0]).toMatchObject({ builder_type: 'amazon-ebs', artifact_id: `us-east-1:${ami.ImageId}` });
    const vagrantfile = execFileSync('tar', ['-xzOf', path.join(dir, 'aws.box'), 'Vagrantfile'], {
      encoding: 'utf8',
    });
    expect(vagrantfile).toContain(`aws.region_config "us-east-1", ami: "${ami.ImageId}"`);
    // The box points at the AMI, so the AMI is kept.
    expect(ec2.images.has(ami.ImageId)).toBe(true);
  });

  it('connects where ssh_host or ssh_interface says, not to the public address', async () => {
    ec2.address = '203.0.113.9';
    const viaHost = await build({ ssh_host: '127.0.0.1', ssh_timeout: '20s', skip_create_ami: true });
    expect(viaHost.code, viaHost.all).toBe(0);
    expect(viaHost.all).toContain('Waiting for SSH to become available on 127.0.0.1:');
    expect(viaHost.all).toContain('No AMI was created');
    expect(ec2.ops()).not.toContain('CreateImage');

    const viaPrivate = await build({ ssh_interface: 'private_ip', ssh_timeout: '20s', skip_create_ami: true });
    expect(viaPrivate.code, viaPrivate.all).toBe(0);
    expect(ec2.leftovers()).toEqual([]);
  });

  it('encrypt_boot replaces the AMI with an encrypted copy and removes the unencrypted one', async () => {
    const run = await build({ encrypt_boot: true, kms_key_id: 'alias/ami' });
    expect(run.code, run.all).toBe(0);
    expect(ec2.inputOf('CopyImage')).toMatchObject({
      Encrypted: true,
      KmsKeyId: 'alias/ami',
      SourceRegion: 'us-east-1',
    });
    const own = [...ec2.images.values()].filter((i) => i.own);
    expect(own).toHaveLength(1);
    expect(ec2.inputOf('DeregisterImage').ImageId).toBe(ec2.inputOf('CopyImage').SourceImageId);
    expect(run.all).toContain(`us-east-1: ${own[0]!.ImageId}`);
    expect(ec2.leftovers()).toEqual([
      `AMI ${own[0]!.ImageId} (us-east-1)`,
      ...own[0]!.snapshots.map((s) => `snapshot ${s}`),
    ]);
  });

  it('-on-error=abort keeps the resources and says how to remove each', async () => {
    ec2.failNext('StopInstances', awsError('IncorrectInstanceState', 'not now'));
    const run = await build({}, undefined, ['-on-error=abort']);
    expect(run.code).toBe(1);
    const instance = [...ec2.instances.values()][0]!;
    expect(run.all).toContain(`aws ec2 terminate-instances --region us-east-1 --instance-ids ${instance.id}`);
    expect(run.all).toContain('aws ec2 delete-security-group');
    expect(run.all).toContain('aws ec2 delete-key-pair');
    expect(ec2.leftovers()).toHaveLength(3);
  });
});

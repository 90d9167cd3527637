import { createHash } from 'node:crypto';
import { StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/base/errors.js';
import type { AmiArtifact } from '../../../src/core/artifact.js';
import { amazonImportPostProcessor } from '../../../src/post-processors/amazon-import/index.js';
import { manifestPostProcessor } from '../../../src/post-processors/manifest/index.js';
import { tempDir } from '../../support/cli.js';
import { FakeEbs, FakeS3 } from '../../support/fake-ebs-s3.js';
import { awsError, FakeEc2 } from '../../support/fake-ec2.js';
import { preparePostProcessor, runContext, smallDisk } from '../../support/plugin-context.js';

// The SDK clients are real; aws-sdk-client-mock answers them from one in-memory account
// (EC2, EBS direct and S3 share it), which checks every block as EBS does.
const BLOCK = 524288;
// 65 MiB + 64 KiB: the last EBS block is short and must go out zero-padded.
const SIZE = 65 * 1024 * 1024 + 64 * 1024;
const RANGES: [number, number][] = [
  [0, 3], // block 0
  [40, 2], // block 1, and block 0 stays partly zero
  [1000, 40], // blocks 31-32
  [4163, 1], // the last, short block
];

let ec2: FakeEc2;
let ebs: FakeEbs;
let s3: FakeS3;
beforeEach(() => {
  ec2 = new FakeEc2();
  ebs = new FakeEbs(ec2);
  s3 = new FakeS3();
});
afterEach(() => {
  ec2.restore();
  ebs.restore();
  s3.restore();
});

const options = (extra: Record<string, unknown> = {}) => ({
  region: 'us-east-1',
  access_key: 'AKIAIOSFODNN7EXAMPLE',
  secret_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
  ami_name: 'app-from-the-disk',
  aws_polling: { delay_seconds: 1, max_attempts: 20 },
  ...extra,
});

async function importDisk(extra: Record<string, unknown> = {}, signal?: AbortSignal) {
  const dir = tempDir();
  const disk = smallDisk(dir, `${SIZE}`, RANGES, 'efi');
  const { ctx, ui } = runContext(dir, { signal });
  const { config } = preparePostProcessor(amazonImportPostProcessor, options(extra), dir);
  const result = amazonImportPostProcessor.process(config, disk.artifact, ctx);
  return { dir, disk, ctx, ui, result };
}

/** The disk's 512 KiB blocks that hold any data, read from the raw file, the last one zero-padded. */
function expectedBlocks(raw: string): Map<number, Buffer> {
  const fd = openSync(raw, 'r');
  const blocks = new Map<number, Buffer>();
  const size = statSync(raw).size;
  for (let i = 0; i * BLOCK < size; i++) {
    const b = Buffer.alloc(BLOCK);
    readSync(fd, b, 0, BLOCK, i * BLOCK);
    if (b.some((x) => x !== 0)) blocks.set(i, b);
  }
  closeSync(fd);
  return blocks;
}

describe('amazon-import over EBS direct', () => {
  it('writes exactly the blocks that hold data, completes with the aggregate checksum, and registers an AMI that follows the build', async () => {
    const { dir, disk, ctx, result } = await importDisk({ tags: { app: 'web' }, snapshot_tags: { disk: 'root' } });
    const out = await result;
    const artifact = out.artifact as AmiArtifact;

    const snapshot = ebs.started.length === 1 ? [...ebs.blocks.keys()][0]! : '';
    const sent = ebs.blocks.get(snapshot)!;
    const expected = expectedBlocks(disk.raw);
    expect([...sent.keys()].sort((a, b) => a - b)).toEqual([0, 1, 31, 32, 130]);
    expect([...expected.keys()]).toEqual([0, 1, 31, 32, 130]);
    for (const [i, data] of expected) expect(sent.get(i)!.equals(data), `block ${i}`).toBe(true);
    // The aggregate, computed here from the raw file alone.
    const aggregate = createHash('sha256')
      .update(Buffer.concat([...expected.values()].map((b) => createHash('sha256').update(b).digest())))
      .digest('base64');
    expect(ebs.completed.get(snapshot)).toEqual({ checksum: aggregate, count: 5 });
    expect(ebs.started[0]).toMatchObject({ VolumeSize: 1, Tags: [{ Key: 'disk', Value: 'root' }] });

    expect(ec2.inputOf('RegisterImage')).toEqual({
      Name: 'app-from-the-disk',
      Architecture: 'x86_64',
      VirtualizationType: 'hvm',
      EnaSupport: true,
      BootMode: 'uefi',
      RootDeviceName: '/dev/xvda',
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { SnapshotId: snapshot, VolumeSize: 1, VolumeType: 'gp3', DeleteOnTermination: true },
        },
      ],
    });
    expect(ec2.ops()).toEqual([
      'DescribeImages', // the name is free
      'DescribeSnapshots', // until completed
      'RegisterImage',
      'DescribeImages',
      'DescribeImages', // until available
      'CreateTags', // the AMI
      'CreateTags', // its snapshot
    ]);
    expect(artifact.amis).toEqual([{ region: 'us-east-1', id: expect.stringMatching(/^ami-/), snapshots: [snapshot] }]);
    expect(artifact.id).toBe(`us-east-1:${artifact.amis[0]!.id}`);
    expect(artifact.ebsDirect).toEqual({ snapshotId: snapshot, aggregateChecksum: aggregate, changedBlocks: 5 });
    expect(artifact.content).toEqual({ sha256: disk.sha256, bytes: SIZE });

    // The manifest records both: the bytes the AMI holds, and what AWS accepted for them.
    const { config } = preparePostProcessor(manifestPostProcessor, { output: `${dir}/manifest.json` }, dir);
    await manifestPostProcessor.process(config, artifact, ctx);
    const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as {
      builds: Record<string, unknown>[];
    };
    expect(manifest.builds[0]).toMatchObject({
      artifact_id: artifact.id,
      disk: { sha256: disk.sha256, bytes: SIZE },
      ebs_direct: { snapshot_id: snapshot, aggregate_checksum: aggregate, changed_blocks: 5 },
    });
    // Only the artifact remains; destroying it leaves the account as it was.
    expect(ec2.leftovers()).toEqual([`AMI ${artifact.amis[0]!.id} (us-east-1)`, `snapshot ${snapshot}`]);
    await artifact.destroy();
    expect(ec2.leftovers()).toEqual([]);
  });

  it('registers legacy-bios for a BIOS build, copies to ami_regions and shares in each', async () => {
    const dir = tempDir();
    const disk = smallDisk(dir, '8M', [[0, 1]], 'bios');
    const { ctx } = runContext(dir);
    const { config } = preparePostProcessor(
      amazonImportPostProcessor,
      options({ ami_regions: ['eu-west-1'], ami_users: ['123456789012'] }),
      dir,
    );
    const out = await amazonImportPostProcessor.process(config, disk.artifact, ctx);
    expect(ec2.inputOf('RegisterImage')).toMatchObject({ BootMode: 'legacy-bios' });
    const amis = (out.artifact as AmiArtifact).amis;
    expect(amis.map((a) => a.region)).toEqual(['us-east-1', 'eu-west-1']);
    expect(ec2.calls.filter((c) => c.op === 'CopyImage').map((c) => c.region)).toEqual(['eu-west-1']);
    expect(ec2.calls.filter((c) => c.op === 'ModifyImageAttribute').map((c) => c.region)).toEqual([
      'us-east-1',
      'eu-west-1',
    ]);
  });

  it('retries throttled blocks and still completes', async () => {
    ebs.throttle.set(31, 2);
    const { result } = await importDisk();
    await result;
    expect(ebs.throttled).toBe(2);
    expect(ebs.completed.size).toBe(1);
  });

  const failures: [string, () => void][] = [
    ['StartSnapshot', () => ebs.mock.on(StartSnapshotCommand).rejects(awsError('AccessDeniedException'))],
    ['PutSnapshotBlock', () => (ebs.failPut = { index: 31, error: awsError('AccessDeniedException') })],
    ['CompleteSnapshot', () => (ebs.failComplete = awsError('ValidationException'))],
    ['DescribeSnapshots', () => ec2.failNext('DescribeSnapshots', awsError('UnauthorizedOperation'))],
    ['RegisterImage', () => ec2.failNext('RegisterImage', awsError('InvalidParameterValue'))],
    [
      'DescribeImages (pending AMI)',
      () => ec2.failNext('DescribeImages', awsError('UnauthorizedOperation'), { after: 1 }),
    ],
    ['CopyImage', () => ec2.failNext('CopyImage', awsError('UnauthorizedOperation'))],
    ['CreateTags', () => ec2.failNext('CreateTags', awsError('UnauthorizedOperation'))],
  ];
  for (const [call, inject] of failures)
    it(`a failure of ${call} leaves nothing in the account`, async () => {
      inject();
      const { result, ui } = await importDisk({ ami_regions: ['eu-west-1'], tags: { app: 'web' } });
      await expect(result).rejects.toThrow(/failed: /);
      expect(ec2.leftovers()).toEqual([]);
      expect(ui.lines.filter((l) => l.startsWith('error:'))).toEqual([]);
    });

  it('Ctrl-C in the middle of the upload stops it and deletes the unfinished snapshot', async () => {
    const controller = new AbortController();
    ebs.abortAt = { index: 31, controller };
    const { result } = await importDisk({}, controller.signal);
    await expect(result).rejects.toBeInstanceOf(CancelledError);
    expect(ebs.completed.size).toBe(0);
    expect(ec2.ops()).not.toContain('RegisterImage');
    expect(ec2.ops()).toContain('DeleteSnapshot');
    expect(ec2.leftovers()).toEqual([]);
  });
});

describe('amazon-import over VM Import', () => {
  it('uploads an OVA to S3, imports it, names the AMI by copying it, and removes the original and the object', async () => {
    const { result } = await importDisk({ import_mode: 'vmimport', s3_bucket_name: 'imports', license_type: 'BYOL' });
    const artifact = (await result).artifact as AmiArtifact;
    expect(s3.ops).toEqual(expect.arrayContaining(['DeleteObject']));
    expect(s3.objects.size).toBe(0);
    expect(ec2.inputOf('ImportImage')).toEqual({
      Architecture: 'x86_64',
      Platform: 'Linux',
      BootMode: 'uefi',
      RoleName: 'vmimport',
      LicenseType: 'BYOL',
      DiskContainers: [
        {
          Description: 'app-from-the-disk',
          Format: 'OVA',
          UserBucket: { S3Bucket: 'imports', S3Key: expect.stringMatching(/^packer-import-\d+\.ova$/) },
        },
      ],
    });
    expect(ec2.inputOf('CopyImage')).toMatchObject({ Name: 'app-from-the-disk', SourceRegion: 'us-east-1' });
    expect(ec2.ops().filter((op) => op === 'DescribeImportImageTasks').length).toBeGreaterThanOrEqual(2);
    // The imported original is gone; the named copy is the artifact.
    expect(ec2.leftovers()).toEqual([
      `AMI ${artifact.amis[0]!.id} (us-east-1)`,
      ...artifact.amis[0]!.snapshots!.map((s) => `snapshot ${s}`),
    ]);
    expect(artifact.content).toBeDefined();
  });

  it('keeps the object with skip_clean, and a failed import task cancels it and deletes the object', async () => {
    const kept = await importDisk({ import_mode: 'vmimport', s3_bucket_name: 'imports', skip_clean: true });
    await kept.result;
    expect(s3.objects.size).toBe(1);
    s3.objects.clear();

    ec2.failNext('DescribeImportImageTasks', awsError('UnauthorizedOperation'));
    const failing = await importDisk({ import_mode: 'vmimport', s3_bucket_name: 'imports', ami_name: 'second' });
    await expect(failing.result).rejects.toThrow(/DescribeImportImageTasks \(checking import task .*\) failed/);
    expect(ec2.ops()).toContain('CancelImportTask');
    expect(s3.objects.size).toBe(0);
    expect(ec2.leftovers().filter((l) => !l.startsWith('AMI') && !l.startsWith('snapshot'))).toEqual([]);
  });
});

describe('amazon-import options', () => {
  it('needs s3_bucket_name for vmimport, and says S3 options do nothing in ebs-direct', () => {
    const dir = tempDir();
    expect(() => preparePostProcessor(amazonImportPostProcessor, options({ import_mode: 'vmimport' }), dir)).toThrow(
      /missing required option "s3_bucket_name"/,
    );
    const { warnings } = preparePostProcessor(amazonImportPostProcessor, options({ s3_bucket_name: 'b' }), dir);
    expect(warnings).toEqual([expect.stringContaining('"s3_bucket_name" is read by "import_mode": "vmimport" only')]);
    expect(() => preparePostProcessor(amazonImportPostProcessor, options({ ami_kms_key: 'k' }), dir)).toThrow(
      /"ami_kms_key" needs "ami_encrypt": true/,
    );
  });
});

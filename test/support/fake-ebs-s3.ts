import { createHash } from 'node:crypto';
import * as ebsSdk from '@aws-sdk/client-ebs';
import { EBSClient } from '@aws-sdk/client-ebs';
import * as s3Sdk from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { FakeEc2 } from './fake-ec2.js';

/**
 * The EBS direct APIs behind aws-sdk-client-mock, sharing FakeEc2's account: a snapshot
 * started here is pending in EC2 until completed. Every block is checked as EBS checks it
 * (size, SHA-256), and CompleteSnapshot checks the block count and the linear aggregate.
 */
export class FakeEbs {
  readonly mock: AwsClientStub<EBSClient>;
  /** Per snapshot: block index → the bytes written. */
  readonly blocks = new Map<string, Map<number, Buffer>>();
  readonly completed = new Map<string, { checksum: string; count: number }>();
  readonly started: Record<string, unknown>[] = [];
  /** Calls of PutSnapshotBlock that fail with this error before succeeding, by block index. */
  readonly throttle = new Map<number, number>();
  throttled = 0;
  /** A put of this block index aborts the controller given (Ctrl-C in the middle of an upload). */
  abortAt: { index: number; controller: AbortController } | undefined;
  failComplete: unknown;
  /** A put of this block index fails with this error, once. */
  failPut: { index: number; error: unknown } | undefined;

  constructor(private readonly ec2: FakeEc2) {
    this.mock = mockClient(EBSClient);
    this.mock.on(ebsSdk.StartSnapshotCommand).callsFake(async (input: Record<string, unknown>) => {
      this.started.push(input);
      const SnapshotId = `snap-${(this.started.length + 0xeb5).toString(16).padStart(17, '0')}`;
      this.ec2.snapshots.add(SnapshotId);
      this.ec2.snapshotStates.set(SnapshotId, 'pending');
      this.blocks.set(SnapshotId, new Map());
      return { SnapshotId, BlockSize: 524288, Status: 'pending', VolumeSize: input.VolumeSize };
    });
    this.mock.on(ebsSdk.PutSnapshotBlockCommand).callsFake(async (input: Record<string, unknown>) => {
      const index = input.BlockIndex as number;
      if (this.abortAt?.index === index) this.abortAt.controller.abort();
      if (this.failPut?.index === index) {
        const { error } = this.failPut;
        this.failPut = undefined;
        throw error;
      }
      const left = this.throttle.get(index) ?? 0;
      if (left > 0) {
        this.throttle.set(index, left - 1);
        this.throttled++;
        throw new ebsSdk.EBSServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'Rate exceeded (injected by the test)',
        });
      }
      const data = input.BlockData as Buffer;
      const blocks = this.blocks.get(input.SnapshotId as string);
      if (!blocks) throw new Error(`no snapshot ${String(input.SnapshotId)}`);
      if (data.length !== 524288 || input.DataLength !== 524288)
        throw new Error(`block ${index} is ${data.length} bytes`);
      if (createHash('sha256').update(data).digest('base64') !== input.Checksum || input.ChecksumAlgorithm !== 'SHA256')
        throw new Error(`block ${index}: checksum does not match`);
      blocks.set(index, Buffer.from(data));
      return { Checksum: input.Checksum, ChecksumAlgorithm: 'SHA256' };
    });
    this.mock.on(ebsSdk.CompleteSnapshotCommand).callsFake(async (input: Record<string, unknown>) => {
      if (this.failComplete) throw this.failComplete;
      const id = input.SnapshotId as string;
      const blocks = this.blocks.get(id)!;
      if (input.ChangedBlocksCount !== blocks.size)
        throw new Error(`ChangedBlocksCount ${String(input.ChangedBlocksCount)}, ${blocks.size} written`);
      const aggregate = createHash('sha256')
        .update(
          Buffer.concat(
            [...blocks.keys()].sort((a, b) => a - b).map((i) => createHash('sha256').update(blocks.get(i)!).digest()),
          ),
        )
        .digest('base64');
      if (aggregate !== input.Checksum || input.ChecksumAggregationMethod !== 'LINEAR')
        throw new ebsSdk.ValidationException({
          message: 'The aggregate checksum does not match',
          $metadata: {},
        } as never);
      this.completed.set(id, { checksum: aggregate, count: blocks.size });
      this.ec2.snapshotStates.delete(id);
      return { Status: 'completed' };
    });
  }

  restore(): void {
    this.mock.restore();
  }
}

/** S3 as VM Import's upload uses it: objects kept in memory, multipart uploads assembled. */
export class FakeS3 {
  readonly mock: AwsClientStub<S3Client>;
  readonly objects = new Map<string, Buffer>();
  readonly ops: string[] = [];
  private readonly parts = new Map<string, Buffer[]>();

  constructor() {
    this.mock = mockClient(S3Client);
    const key = (i: Record<string, unknown>) => `${String(i.Bucket)}/${String(i.Key)}`;
    const read = async (body: unknown): Promise<Buffer> => {
      if (Buffer.isBuffer(body)) return body;
      if (body instanceof Uint8Array) return Buffer.from(body);
      const chunks: Buffer[] = [];
      for await (const c of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
      return Buffer.concat(chunks);
    };
    this.mock.on(s3Sdk.PutObjectCommand).callsFake(async (i: Record<string, unknown>) => {
      this.ops.push('PutObject');
      this.objects.set(key(i), await read(i.Body));
      return { ETag: '"etag"' };
    });
    this.mock.on(s3Sdk.CreateMultipartUploadCommand).callsFake(async (i: Record<string, unknown>) => {
      this.ops.push('CreateMultipartUpload');
      this.parts.set(key(i), []);
      return { UploadId: 'upload-1' };
    });
    this.mock.on(s3Sdk.UploadPartCommand).callsFake(async (i: Record<string, unknown>) => {
      this.ops.push('UploadPart');
      this.parts.get(key(i))![(i.PartNumber as number) - 1] = await read(i.Body);
      return { ETag: `"part-${String(i.PartNumber)}"` };
    });
    this.mock.on(s3Sdk.CompleteMultipartUploadCommand).callsFake(async (i: Record<string, unknown>) => {
      this.ops.push('CompleteMultipartUpload');
      this.objects.set(key(i), Buffer.concat(this.parts.get(key(i))!));
      return {};
    });
    this.mock.on(s3Sdk.AbortMultipartUploadCommand).callsFake(async () => {
      this.ops.push('AbortMultipartUpload');
      return {};
    });
    this.mock.on(s3Sdk.DeleteObjectCommand).callsFake(async (i: Record<string, unknown>) => {
      this.ops.push('DeleteObject');
      this.objects.delete(key(i));
      return {};
    });
  }

  restore(): void {
    this.mock.restore();
  }
}

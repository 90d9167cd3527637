import { DeleteObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CancelledError } from '../../base/errors.js';
import type { AwsAccess } from './access.js';
import { AwsCallError, clientSettings, sendWithRetry, type RetryOptions } from './call.js';

/** One region's S3, for the objects VM Import reads. */
export class S3 {
  constructor(
    readonly client: S3Client,
    private readonly options: RetryOptions,
  ) {}

  /**
   * The endpoint is the SDK's (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL). With an override,
   * buckets go in the path: a local or S3-compatible endpoint has no per-bucket host names.
   */
  static connect(access: AwsAccess, region: string, env: NodeJS.ProcessEnv = process.env): S3 {
    const overridden = !!(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
    const client = new S3Client({ ...clientSettings(access, region, undefined), forcePathStyle: overridden });
    return new S3(client, { maxRetries: access.maxRetries });
  }

  /** Streams a file up in parts (lib-storage's multipart upload); Ctrl-C aborts it and AWS drops the parts. */
  async upload(params: PutObjectCommandInput, signal: AbortSignal): Promise<void> {
    const upload = new Upload({ client: this.client, params, queueSize: 4, partSize: 16 * 1024 * 1024 });
    const abort = () => void upload.abort().catch(() => {});
    signal.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } catch (err) {
      if (signal.aborted) throw new CancelledError('Build was cancelled.');
      const e = err as { name?: string; message?: string };
      throw new AwsCallError(
        'PutObject',
        e.name ?? 'Error',
        e.message ?? 'no message',
        `uploading s3://${params.Bucket}/${params.Key}`,
      );
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await sendWithRetry(
      (abortSignal) =>
        this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), abortSignal ? { abortSignal } : {}),
      'DeleteObject',
      `deleting s3://${bucket}/${key}`,
      this.options,
    );
  }

  destroy(): void {
    this.client.destroy();
  }
}

import { createServer, type Server } from 'node:http';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareAwsAccess, type AwsAccess } from '../../../src/machines/aws/access.js';
import { AwsCallError, Ec2 } from '../../../src/machines/aws/ec2.js';

/** Collects the problems prepareAwsAccess reports. */
function prepare(options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const errors: string[] = [];
  const access = prepareAwsAccess(options, { error: (_p, m) => errors.push(m), warn: () => {} }, env);
  return { access, errors };
}

/** An EC2-compatible endpoint on 127.0.0.1 that answers each request with the next canned reply. */
async function endpoint(replies: { status: number; body: string }[]) {
  const seen: { path: string; body: string; auth: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body, auth: String(req.headers.authorization ?? '') });
      const reply = replies.shift() ?? { status: 500, body: '' };
      res.writeHead(reply.status, { 'content-type': 'text/xml' }).end(reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  servers.push(server);
  return { url, seen };
}
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL_EC2;
});

const error = (code: string, message: string) => ({
  status: code === 'RequestLimitExceeded' ? 503 : 400,
  body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>`,
});
const images = {
  status: 200,
  body: '<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-2</requestId><imagesSet><item><imageId>ami-0abc</imageId><name>debian-12</name><imageState>available</imageState></item></imagesSet></DescribeImagesResponse>',
};

const access = (extra: Partial<AwsAccess> = {}): AwsAccess => ({
  ...prepare({ region: 'eu-west-1', access_key: 'AKIAIOSFODNN7EXAMPLE', secret_key: 'secret-key-for-tests-0123456789' })
    .access,
  ...extra,
});

describe('AWS access options', () => {
  it('takes the region from the template, else AWS_REGION, else AWS_DEFAULT_REGION, and requires one', () => {
    expect(prepare({ region: 'eu-west-1' }, { AWS_REGION: 'us-east-1' }).access.region).toBe('eu-west-1');
    expect(prepare({}, { AWS_DEFAULT_REGION: 'ap-south-1' }).access.region).toBe('ap-south-1');
    expect(prepare({}).errors).toEqual(['missing required option "region"']);
    expect(prepare({ region: 'us-gov-west-1' }).errors).toEqual([]);
    expect(prepare({ region: 'Frankfurt' }).errors).toEqual(['"Frankfurt" is not an AWS region name']);
    expect(prepare({ region: 'Frankfurt', skip_region_validation: true }).errors).toEqual([]);
  });

  it('uses keys only as a pair, and the SDK chain without them', () => {
    expect(prepare({ region: 'eu-west-1', access_key: 'AKIA' }).errors).toEqual([
      '"access_key" and "secret_key" go together',
    ]);
    expect(prepare({ region: 'eu-west-1', access_key: 'A', secret_key: 'S', token: 'T' }).access.credentials).toEqual({
      accessKeyId: 'A',
      secretAccessKey: 'S',
      sessionToken: 'T',
    });
    expect(prepare({ region: 'eu-west-1', profile: 'dev' }).access).toMatchObject({
      credentials: undefined,
      profile: 'dev',
    });
  });

  it("reads polling from aws_polling, else Packer's AWS_POLL_DELAY_SECONDS / AWS_MAX_ATTEMPTS", () => {
    expect(prepare({ region: 'eu-west-1', aws_polling: { delay_seconds: 2, max_attempts: 9 } }).access.polling).toEqual(
      {
        delayMs: 2000,
        maxAttempts: 9,
      },
    );
    expect(
      prepare({ region: 'eu-west-1' }, { AWS_POLL_DELAY_SECONDS: '3', AWS_MAX_ATTEMPTS: '4' }).access.polling,
    ).toEqual({ delayMs: 3000, maxAttempts: 4 });
  });

  it('accepts a bare host as custom_endpoint_ec2, as Packer does', () => {
    expect(prepare({ region: 'eu-west-1', custom_endpoint_ec2: 'ec2.example.com' }).access.endpoint).toBe(
      'https://ec2.example.com',
    );
  });
});

describe('EC2 calls', () => {
  it('go to AWS_ENDPOINT_URL, signed, and an error reads as the service code, message, call and purpose', async () => {
    const server = await endpoint([
      error('UnauthorizedOperation', 'You are not authorized to perform this operation.'),
    ]);
    process.env.AWS_ENDPOINT_URL = server.url;
    const ec2 = Ec2.connect(access());
    const failure = await ec2
      .call(new DescribeImagesCommand({ ImageIds: ['ami-0abc'] }), 'looking up the source AMI')
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AwsCallError);
    expect((failure as Error).message).toBe(
      'DescribeImages (looking up the source AMI) failed: UnauthorizedOperation: You are not authorized to perform this operation.',
    );
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]!.body).toContain('Action=DescribeImages');
    expect(server.seen[0]!.body).toContain('ImageId.1=ami-0abc');
    expect(server.seen[0]!.auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d+\/eu-west-1\/ec2\//);
  });

  it('prefer AWS_ENDPOINT_URL_EC2, and custom_endpoint_ec2 over both', async () => {
    const general = await endpoint([]);
    const ec2Only = await endpoint([images]);
    const custom = await endpoint([images]);
    process.env.AWS_ENDPOINT_URL = general.url;
    process.env.AWS_ENDPOINT_URL_EC2 = ec2Only.url;
    const out = await Ec2.connect(access()).call(new DescribeImagesCommand({}), 'listing');
    expect(out.Images?.[0]).toMatchObject({ ImageId: 'ami-0abc', Name: 'debian-12', State: 'available' });
    await Ec2.connect(access({ endpoint: custom.url })).call(new DescribeImagesCommand({}), 'listing');
    expect([general.seen.length, ec2Only.seen.length, custom.seen.length]).toEqual([0, 1, 1]);
  });

  it('retry a throttled call with back-off, and give up after max_retries', async () => {
    const server = await endpoint([
      error('RequestLimitExceeded', 'Request limit exceeded.'),
      error('RequestLimitExceeded', 'Request limit exceeded.'),
      images,
    ]);
    const ec2 = Ec2.connect(access({ endpoint: server.url }), undefined, { retryBaseMs: 10 });
    await ec2.call(new DescribeImagesCommand({}), 'listing');
    expect(server.seen).toHaveLength(3);

    const stubborn = await endpoint(Array(5).fill(error('RequestLimitExceeded', 'Request limit exceeded.')));
    const patient = Ec2.connect(access({ endpoint: stubborn.url, maxRetries: 2 }), undefined, { retryBaseMs: 10 });
    await expect(patient.call(new DescribeImagesCommand({}), 'listing')).rejects.toThrow('RequestLimitExceeded');
    expect(stubborn.seen).toHaveLength(3);
  });
});

import type { ConfigProblems } from '../../core/plugin.js';
import { isSet } from '../../core/option-catalogue.js';

/** How often and how long to ask AWS whether something is ready (Packer's aws_polling). */
export interface AwsPolling {
  delayMs: number;
  maxAttempts: number;
}

/** Everything needed to talk to EC2 as the user: where, as whom, and how patiently. */
export interface AwsAccess {
  region: string;
  /** Keys from the template; undefined means the SDK's default chain (env, shared files, SSO, IMDS). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  profile: string | undefined;
  /** custom_endpoint_ec2; otherwise the SDK reads AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL itself. */
  endpoint: string | undefined;
  validateCredentials: boolean;
  validateRegions: boolean;
  /** Further attempts after a throttled or failed-on-the-server call. */
  maxRetries: number;
  polling: AwsPolling;
}

/** Access options that are secrets: hidden in every output as sensitive variables are. */
export const AWS_SECRET_OPTIONS = ['secret_key', 'token'] as const;

const NOT_YET: Record<string, string> = {
  assume_role:
    'assume the role outside boxwright (aws sts assume-role) and pass the keys, or use a profile with role_arn',
  vault_aws_engine: 'read the keys from Vault first and pass them as "access_key"/"secret_key"/"token"',
  mfa_code: 'use a profile whose session already carries MFA, or pass a session "token"',
  shared_credentials_file: 'set AWS_SHARED_CREDENTIALS_FILE to the file instead: the AWS SDK reads it from there',
  insecure_skip_tls_verify:
    'point "custom_endpoint_ec2" at an endpoint with a trusted certificate (NODE_EXTRA_CA_CERTS adds one)',
};

/** Packer's AWS access options, as JSON Schema properties a plugin adds to its own schema. */
export const awsAccessSchemaProperties = {
  access_key: { type: 'string' },
  secret_key: { type: 'string' },
  token: { type: 'string' },
  profile: { type: 'string' },
  region: { type: 'string', description: '"us-east-1"' },
  custom_endpoint_ec2: { type: 'string' },
  skip_credential_validation: { type: 'boolean', default: false },
  skip_region_validation: { type: 'boolean', default: false },
  // Packer's switch for its own metadata lookup; the SDK's chain decides that here.
  skip_metadata_api_check: { type: 'boolean', default: false },
  decode_authorization_messages: { type: 'boolean', default: false },
  max_retries: { type: 'integer', minimum: 0 },
  aws_polling: {
    type: 'object',
    additionalProperties: false,
    properties: {
      delay_seconds: { type: 'integer', minimum: 1 },
      max_attempts: { type: 'integer', minimum: 1 },
    },
  },
  ...Object.fromEntries(Object.keys(NOT_YET).map((k) => [k, {}])),
} as const;

// Commercial, GovCloud, China and ISO partitions: "us-east-1", "us-gov-west-1", "cn-north-1", "us-iso-east-1".
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/** Checks a region name offline (Packer's skip_region_validation turns this off). */
export function regionProblem(region: string): string | undefined {
  return REGION.test(region) ? undefined : `"${region}" is not an AWS region name`;
}

const DEFAULT_POLLING: AwsPolling = { delayMs: 5000, maxAttempts: 720 };

/**
 * Checks the access options and returns typed access. The region may come from
 * AWS_REGION/AWS_DEFAULT_REGION; polling from AWS_POLL_DELAY_SECONDS/AWS_MAX_ATTEMPTS, as in Packer.
 */
export function prepareAwsAccess(
  o: Record<string, unknown>,
  p: ConfigProblems,
  env: NodeJS.ProcessEnv = process.env,
): AwsAccess {
  for (const [key, instead] of Object.entries(NOT_YET))
    if (isSet(o[key])) p.error([key], `"${key}" is not supported by boxwright yet`, instead);
  const str = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);

  const region = str('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '';
  const validateRegions = o.skip_region_validation !== true;
  if (!region)
    p.error(
      [],
      'missing required option "region"',
      'name the region to build in, for example "region": "us-east-1" (or set AWS_REGION)',
    );
  else if (validateRegions && regionProblem(region))
    p.error(
      str('region') ? ['region'] : [],
      regionProblem(region)!,
      'use a region name such as "us-east-1", or set "skip_region_validation": true for a private endpoint',
    );

  const accessKey = str('access_key');
  const secretKey = str('secret_key');
  if (Boolean(accessKey) !== Boolean(secretKey))
    p.error(
      [accessKey ? 'access_key' : 'secret_key'],
      '"access_key" and "secret_key" go together',
      'set both, or neither to use the environment, a profile or an instance role',
    );
  if (str('token') && !accessKey)
    p.error(['token'], '"token" needs "access_key" and "secret_key"', 'a session token belongs to a key pair');
  if (accessKey && str('profile'))
    p.warn(['profile'], '"profile" is not used when "access_key" and "secret_key" are set');

  let endpoint = str('custom_endpoint_ec2');
  if (endpoint) {
    // Packer accepts a bare host name; the SDK needs a URL.
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) endpoint = `https://${endpoint}`;
    try {
      new URL(endpoint);
    } catch {
      p.error(
        ['custom_endpoint_ec2'],
        `"${str('custom_endpoint_ec2')}" is not a URL`,
        'for example "https://ec2.example.com"',
      );
    }
  }

  const polling = o.aws_polling as { delay_seconds?: number; max_attempts?: number } | undefined;
  const envInt = (name: string) => {
    const n = Number(env[name]);
    return env[name] && Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const delaySeconds = polling?.delay_seconds ?? envInt('AWS_POLL_DELAY_SECONDS');
  return {
    region,
    credentials:
      accessKey && secretKey
        ? {
            accessKeyId: accessKey,
            secretAccessKey: secretKey,
            ...(str('token') ? { sessionToken: str('token') } : {}),
          }
        : undefined,
    profile: str('profile'),
    endpoint,
    validateCredentials: o.skip_credential_validation !== true,
    validateRegions,
    maxRetries: (o.max_retries as number | undefined) ?? 8,
    polling: {
      delayMs: delaySeconds !== undefined ? delaySeconds * 1000 : DEFAULT_POLLING.delayMs,
      maxAttempts: polling?.max_attempts ?? envInt('AWS_MAX_ATTEMPTS') ?? DEFAULT_POLLING.maxAttempts,
    },
  };
}

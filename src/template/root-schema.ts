/** JSON Schema of a Packer 1.6 JSON template's top level and the keys every block shares. */
const names = { type: 'array', items: { type: 'string' } };
// Checked again after interpolation by the planner: they may hold {{user `x`}}.
const duration = { type: 'string' };

export const PROVISIONER_COMMON_KEYS = new Set([
  'type',
  'only',
  'except',
  'override',
  'pause_before',
  'max_retries',
  'timeout',
  'reproducible',
]);
export const BUILDER_COMMON_KEYS = new Set(['type', 'name']);
export const POST_PROCESSOR_COMMON_KEYS = new Set(['type', 'only', 'except', 'keep_input_artifact', 'name']);

export const provisionerBlockSchema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', minLength: 1, description: 'a provisioner type such as "shell-local"' },
    only: names,
    except: names,
    override: { type: 'object', additionalProperties: { type: 'object' } },
    pause_before: duration,
    max_retries: { type: ['integer', 'string'] },
    timeout: duration,
    // boxwright's own: false for a provisioner whose result cannot be known from its
    // inputs (it fetches "latest"); no checkpoint resumes past it.
    reproducible: { type: 'boolean' },
  },
};

export const postProcessorBlockSchema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', minLength: 1, description: 'a post-processor type such as "manifest"' },
    only: names,
    except: names,
    keep_input_artifact: { type: 'boolean' },
    name: { type: 'string', minLength: 1 },
  },
};

export const rootSchema = {
  type: 'object',
  required: ['builders'],
  properties: {
    description: { type: 'string' },
    min_packer_version: { type: 'string' },
    variables: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
    'sensitive-variables': names,
    builders: {
      type: 'array',
      minItems: 1,
      description: '[{"type": "null", "communicator": "none"}]',
      items: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { type: 'string', minLength: 1, description: 'a builder type such as "null"' },
          name: { type: 'string', minLength: 1 },
        },
      },
    },
    provisioners: { type: 'array', items: provisionerBlockSchema },
    'post-processors': { type: 'array' },
    'error-cleanup-provisioner': provisionerBlockSchema,
  },
  // Keys that start with "_" are comments, by Packer convention.
  patternProperties: { '^_': {} },
  additionalProperties: false,
};

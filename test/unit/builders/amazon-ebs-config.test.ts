import { describe, expect, it } from 'vitest';
import { loadText, marked } from '../../support/validate.js';

const base = {
  type: 'amazon-ebs',
  region: 'us-east-1',
  source_ami: 'ami-0123456789abcdef0',
  instance_type: 't3.micro',
  ssh_username: 'admin',
  ami_name: 'app {{timestamp}}',
};

/** A template with one amazon-ebs builder: `base` without `drop`, plus `extra` written at the @@ marker. */
function template(extra: string, drop: string[] = []): string {
  const kept = Object.entries(base)
    .filter(([k]) => !drop.includes(k))
    .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n  "builders": [\n  @@{\n${[...kept, ...(extra ? [extra] : [])].join(',\n')}\n  }]\n}\n`;
}

/** Moves the marker to the start of `at`'s line, before `at` (for errors that point into the options). */
function at(text: string, needle: string): string {
  const clean = text.replace('@@', '');
  const i = clean.indexOf(needle);
  return clean.slice(0, i) + '@@' + clean.slice(i);
}

const cases: [name: string, text: string, message: string][] = [
  ['no region', template('', ['region']), 'missing required option "region"'],
  ['no instance type', template('', ['instance_type']), 'missing required option "instance_type"'],
  ['no AMI name', template('', ['ami_name']), 'missing required option "ami_name"'],
  ['no source', template('', ['source_ami']), 'missing required option "source_ami" (or "source_ami_filter")'],
  ['unknown option', at(template('    "instance_typo": "t3.micro"'), '"instance_typo"'), 'instance_typo'],
  ['wrong type', at(template('    "ebs_optimized": "very"'), '"very"'), 'must be true or false'],
  ['bad region', at(template('    "region": "mars-1"', ['region']), '"mars-1"'), 'not an AWS region'],
  [
    'spot instances',
    at(template('    "spot_price": "auto"'), '"auto"'),
    '"spot_price" is not supported by boxwright\'s amazon-ebs builder yet',
  ],
  [
    'half a key pair',
    at(template('    "access_key": "AKIAIOSFODNN7EXAMPLE"'), '"AKIAIOSFODNN7EXAMPLE"'),
    'go together',
  ],
  ['bad AMI name', at(template('    "ami_name": "a#b"', ['ami_name']), '"a#b"'), 'not a valid AMI name'],
  [
    'copy key for a region not copied to',
    at(template('    "region_kms_key_ids": {"eu-west-1": "alias/x"}'), '"alias/x"'),
    '"eu-west-1" is not in "ami_regions"',
  ],
];

describe('amazon-ebs validation', () => {
  it.each(cases)('%s: an error at its place', (_name, text, message) => {
    const m = marked(text);
    const { diagnostics, file } = loadText(m.text);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const match = errors.find((d) => d.message.includes(message));
    expect(match, errors.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n')).toBeDefined();
    expect({ file: match!.file, line: match!.line, column: match!.column }).toEqual({
      file,
      line: m.line,
      column: m.column,
    });
  });

  it('accepts a full Packer 1.6 amazon-ebs template', () => {
    const { diagnostics } = loadText(
      template(
        [
          '    "source_ami_filter": {"filters": {"name": "debian-12-*", "virtualization-type": "hvm"}, "owners": ["136693071363"], "most_recent": true}',
          '    "subnet_filter": {"filters": {"tag:Name": "build"}, "most_free": true}',
          '    "ssh_interface": "private_ip"',
          '    "ami_regions": ["eu-west-1"]',
          '    "region_kms_key_ids": {"eu-west-1": "alias/ami"}',
          '    "tags": {"Base": "{{ .SourceAMIName }}", "Built": "{{ isotime }}"}',
          '    "launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 8, "volume_type": "gp3", "delete_on_termination": true}]',
          '    "aws_polling": {"delay_seconds": 10, "max_attempts": 100}',
          '    "metadata_options": {"http_tokens": "required"}',
        ].join(',\n'),
        ['source_ami'],
      ).replace('@@', ''),
    );
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConstraints, satisfies } from '../../../src/template/hcl/packer-block.js';

const meets = (version: string, constraint: string) => satisfies(version, parseConstraints(constraint)!);

describe("the packer block's version constraints, as go-version reads them", () => {
  it('compare versions part by part, with missing parts as zero', () => {
    expect(meets('1.7.0', '>= 1.7')).toBe(true);
    expect(meets('1.7.0', '> 1.7.0')).toBe(false);
    expect(meets('1.7.0', '>=1.6.6, < 2')).toBe(true);
    expect(meets('1.7.0', '>= 1.10.0')).toBe(false);
    expect(meets('1.7.0', '1.7.0')).toBe(true);
    expect(meets('1.7.0', '!= 1.7.0')).toBe(false);
    expect(meets('1.7.0', '<= v1.7.0')).toBe(true);
  });

  it('let ~> grow only the last part written', () => {
    expect(meets('1.7.0', '~> 1.6')).toBe(true);
    expect(meets('2.0.0', '~> 1.6')).toBe(false);
    expect(meets('1.7.0', '~> 1.6.3')).toBe(false);
    expect(meets('1.6.9', '~> 1.6.3')).toBe(true);
    expect(meets('1.6.2', '~> 1.6.3')).toBe(false);
  });

  it('refuse what is not a constraint', () => {
    for (const text of ['latest', '>= one', '=> 1.7', '>= 1.7,', ''])
      expect(parseConstraints(text), text).toBeUndefined();
    expect(parseConstraints('>= 1.7.0-beta1+dev')).toEqual([{ op: '>=', version: [1, 7, 0] }]);
  });
});

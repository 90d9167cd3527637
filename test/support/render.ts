import type { FunctionScope } from '../../src/template/interpolate/functions.js';

/** A function scope with fixed, known values, for interpolation tests. */
export function testScope(overrides: Partial<FunctionScope> = {}): FunctionScope {
  const vars: Record<string, string> = { name: 'Web Server', region: 'eu-west-1' };
  return {
    section: 'template',
    userVariable: (n) => vars[n],
    variableNames: () => Object.keys(vars),
    env: (n) => (n === 'HOME' ? '/home/tester' : ''),
    initTime: new Date(Date.UTC(2020, 0, 2, 15, 4, 5, 123)),
    templateDir: '/templates/web',
    pwd: '/work',
    buildName: 'web',
    buildType: 'null',
    ...overrides,
  };
}

/**
 * The values a running build knows about its machine, by the names Packer gives them
 * (its BuilderDataCommonKeys): HCL2 templates read them as build.Host, build.ID, ...
 */
export const BUILD_VALUE_KEYS = [
  'ID',
  'Host',
  'Port',
  'User',
  'Password',
  'ConnType',
  'PackerRunUUID',
  'PackerHTTPPort',
  'PackerHTTPIP',
  'PackerHTTPAddr',
  'SSHPublicKey',
  'SSHPrivateKey',
  'WinRMPassword',
] as const;

export type BuildValues = Record<(typeof BUILD_VALUE_KEYS)[number], string>;

/** What validation sees before a machine exists: Packer's "<unknown>" for every value. */
export function unknownBuildValues(): BuildValues {
  return buildValuesAll('<unknown>');
}

/** Every build value set to `text`. */
export function buildValuesAll(text: string): BuildValues {
  return Object.fromEntries(BUILD_VALUE_KEYS.map((k) => [k, text])) as BuildValues;
}

import type { ConfigProblems } from '../core/plugin.js';
import type { Options } from './options.js';

/** Where the build's medium comes from: one or more URLs or paths and the checksum they must match. */
export interface SourceConfig {
  urls: string[];
  checksum: string;
}

/** Packer's iso_* options (also the disk image of qemu's disk_image). */
export const isoOptions = {
  iso_url: { type: 'string', minLength: 1 },
  iso_urls: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  iso_checksum: { type: 'string', minLength: 1, description: '"sha256:…", "file:…" or "none"' },
  iso_target_path: { type: 'string' },
  iso_target_extension: { type: 'string' },
  // Refused by Packer 1.6 too, with "run packer fix"; taken here so the message can say the same.
  iso_checksum_type: { type: 'string' },
  iso_checksum_url: { type: 'string' },
};

const TYPED = /^(md5|sha1|sha256|sha512):[0-9a-fA-F]+$/;
const BARE = /^[0-9a-fA-F]{32,128}$/;

/** A checksum option: "type:hex", a bare hex digest, "file:URL", or "none"; `undefined` when missing. */
export function prepareChecksum(value: string | undefined, option: string, p: ConfigProblems): string {
  if (value === undefined) {
    p.error(
      [],
      `missing required option "${option}"`,
      'write "sha256:<hex>", "file:<url of a SHA256SUMS file>", or "none" to skip the check',
    );
    return 'none';
  }
  if (value !== 'none' && !TYPED.test(value) && !value.startsWith('file:') && !BARE.test(value))
    p.error([option], `"${value}" is not a checksum`, 'write "sha256:<hex>", "file:<url>", or "none"');
  return value;
}

/** iso_url or iso_urls, and iso_checksum; `what` says what the URL is, for the missing-option hint. */
export function prepareIso(o: Options, p: ConfigProblems, what: string): SourceConfig {
  const urls =
    o.iso_urls !== undefined ? (o.iso_urls as string[]) : o.iso_url !== undefined ? [o.iso_url as string] : [];
  if (urls.length === 0) p.error([], 'missing required option "iso_url"', what);
  if (o.iso_url !== undefined && o.iso_urls !== undefined)
    p.error(['iso_urls'], '"iso_url" and "iso_urls" cannot be used together');
  for (const key of ['iso_checksum_type', 'iso_checksum_url']) {
    if (o[key] !== undefined)
      p.error(
        [key],
        `"${key}" was removed in Packer 1.6: the type goes into iso_checksum ("sha256:<hex>", or "file:<url>")`,
        'run `boxwright fix TEMPLATE > fixed.json` to rewrite it, as `packer fix` does',
      );
  }
  for (const key of ['iso_target_path', 'iso_target_extension']) {
    if (o[key] !== undefined)
      p.warn(
        [key],
        `"${key}" is ignored: downloads go to the shared cache`,
        'set BOXWRIGHT_CACHE_DIR to choose where downloads are kept',
      );
  }
  return { urls, checksum: prepareChecksum(o.iso_checksum as string | undefined, 'iso_checksum', p) };
}

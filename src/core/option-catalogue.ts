import type { ConfigProblems } from './plugin.js';

/**
 * Packer 1.6 options boxwright knows but does not act on: refused as "not supported yet"
 * with the reason, or taken and said to be ignored. Either way never "unknown option", so
 * a Packer user reads what boxwright does with their template.
 */
export interface OptionCatalogue {
  /** Option → why it is refused, and what to do instead. */
  notYet?: Record<string, { why: string; instead: string }>;
  /** Option → why it makes no difference here. */
  ignored?: Record<string, string>;
}

/** The catalogue's options as JSON Schema properties: any value is taken, so the message is about the option. */
export function catalogueSchema(catalogue: OptionCatalogue): Record<string, object> {
  const any = { type: ['string', 'number', 'integer', 'boolean', 'array', 'object', 'null'] };
  return Object.fromEntries(
    [...Object.keys(catalogue.notYet ?? {}), ...Object.keys(catalogue.ignored ?? {})].map((k) => [k, any]),
  );
}

/** Packer's zero values (false, "", 0, [], {}, null) leave an option unset. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  return typeof value !== 'object' || Object.keys(value).length > 0;
}

/** Reports each catalogued option the template sets to something other than Packer's zero value. */
export function checkCatalogue(o: Record<string, unknown>, p: ConfigProblems, catalogue: OptionCatalogue): void {
  for (const [key, { why, instead }] of Object.entries(catalogue.notYet ?? {}))
    if (isSet(o[key])) p.error([key], `"${key}" is not supported by boxwright yet: ${why}`, instead);
  for (const [key, why] of Object.entries(catalogue.ignored ?? {}))
    if (isSet(o[key])) p.warn([key], `"${key}" is ignored: ${why}`);
}

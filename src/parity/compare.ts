import { CATEGORIES, entriesOf, type Category, type Fingerprint } from '../core/fingerprint.js';
import type { IgnoreRule } from './rules.js';

/** A fingerprint under the name the report shows for it. */
export interface Subject {
  label: string;
  fingerprint: Fingerprint;
}

/** One key whose value is not the same everywhere; `values[i]` belongs to subject i, undefined = absent. */
export interface Difference {
  category: Category;
  key: string;
  values: (string | undefined)[];
}

/** Differences that were seen and set aside, grouped by why. */
export interface IgnoredGroup {
  reason: string;
  keys: string[];
}

export interface ParityReport {
  labels: string[];
  differences: Difference[];
  ignored: IgnoredGroup[];
  /** How many keys were compared (for the verdict line). */
  compared: number;
}

/** What a container does not have of its own: its kernel, its init and what init starts. */
const MACHINE_ONLY: ReadonlySet<Category> = new Set(['kernel', 'service', 'port']);

/**
 * Compares fingerprints key by key. A rule set aside matching differences (with its
 * reason); the kernel, services and ports of a container are compared only with other
 * containers, since a container runs on the host's kernel with no init of its own.
 */
export function compareFingerprints(subjects: Subject[], rules: IgnoreRule[]): ParityReport {
  const maps = subjects.map((s) => entriesOf(s.fingerprint));
  const containers = subjects.map((s) => s.fingerprint.platform === 'container');
  const mixed = containers.some(Boolean) && containers.some((c) => !c);
  const differences: Difference[] = [];
  const ignored = new Map<string, string[]>();
  const setAside = (reason: string, key: string) => ignored.set(reason, [...(ignored.get(reason) ?? []), key]);
  let compared = 0;

  for (const category of CATEGORIES) {
    const keys = [...new Set(maps.flatMap((m) => Object.keys(m[category])))].sort();
    for (const key of keys) {
      compared++;
      const values = maps.map((m) => m[category][key]);
      // In a mix of containers and VMs, machine-only keys are compared among the VMs alone.
      const relevant = values.filter((_, i) => !(mixed && MACHINE_ONLY.has(category) && containers[i]));
      const differs = relevant.some((v) => v !== relevant[0]);
      const name = key === category ? category : `${category} ${key}`;
      if (mixed && MACHINE_ONLY.has(category) && values.some((v) => v !== values[0]) && !differs)
        setAside('a container has no kernel or init of its own', name);
      if (!differs) continue;
      const rule = rules.find((r) => (r.category === undefined || r.category === category) && r.matches(key));
      if (rule) setAside(rule.reason, name);
      else differences.push({ category, key, values });
    }
  }
  return {
    labels: subjects.map((s) => s.label),
    differences,
    ignored: [...ignored].map(([reason, keys]) => ({ reason, keys })),
    compared,
  };
}

/** Rules a template recorded in its fingerprints (the fingerprint provisioner's `ignore`). */
export function templateRules(subjects: Subject[]): string[] {
  return [...new Set(subjects.flatMap((s) => s.fingerprint.ignore ?? []))];
}

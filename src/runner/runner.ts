import type { PlannedBuild } from '../template/plan.js';
import { runBuild, type BuildResult, type RunSettings } from './build.js';

/** Runs builds concurrently, at most `parallel` at a time (0 = no limit). */
export async function runBuilds(
  builds: PlannedBuild[],
  parallel: number,
  settings: RunSettings,
): Promise<BuildResult[]> {
  const limit = parallel <= 0 ? builds.length : parallel;
  const results: BuildResult[] = new Array(builds.length);
  let next = 0;
  const worker = async () => {
    while (next < builds.length) {
      const index = next++;
      results[index] = await runBuild(builds[index]!, settings);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, builds.length) }, worker));
  return results;
}

import type { ConfigProblems } from '../../core/plugin.js';

/** The Dockerfile instructions `docker commit --change` and `docker import --change` apply. */
export const CHANGE_INSTRUCTIONS = [
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'LABEL',
  'ONBUILD',
  'USER',
  'VOLUME',
  'WORKDIR',
];

/** Reports each entry of `changes` that is not an instruction `docker commit`/`docker import` can apply. */
export function checkChanges(changes: string[], problems: ConfigProblems, command: string): void {
  changes.forEach((change, i) => {
    const word = change.trim().split(/\s+/)[0]!.toUpperCase();
    if (!CHANGE_INSTRUCTIONS.includes(word))
      problems.error(
        ['changes', i],
        `"${change}" is not a change ${command} can apply`,
        `start it with one of ${CHANGE_INSTRUCTIONS.join(', ')}`,
      );
  });
}

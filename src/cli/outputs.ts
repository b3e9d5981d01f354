// The CLI side of the output-path policy (io/outputPath.ts): the library's reasons, rephrased with flags.
import { OutputPathError } from '../io/outputPath';

/** Run a library output check for option `--flag`; an OutputPathError comes back in CLI words. */
export function checkFlag<T>(flag: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof OutputPathError)) throw e;
    const fix =
      e.problem === 'exists'
        ? 'pass --force to replace it, or choose another path'
        : e.problem === 'locked'
          ? 'wait for that run to finish, or choose another path'
          : e.problem === 'foreign'
            ? 'choose a new or empty folder'
            : 'choose another path';
    throw new Error(`--${flag} ${e.target}: ${e.reason}; ${fix}`);
  }
}

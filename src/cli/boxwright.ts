// The command itself: bin/boxwright runs the bundle built from this file.
import { main } from './main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

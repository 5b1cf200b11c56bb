/**
 * The @oclif/core that bin/run.js starts: a build entry of its own, so that the runtime and the
 * bundled commands share one copy of oclif (scripts/build.mjs).
 */
export {execute} from '@oclif/core/execute'

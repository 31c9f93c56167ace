/**
 * jest setup file: replays a fast-check failure without editing the test. fc.assert reports a failure
 * with `{ seed: S, path: "P", endOnFailure: true }`; run that one test again with
 *
 *   FC_SEED=S FC_PATH=P npx jest test/planner.property.test.ts -t 'the test name'
 *
 * (-t matters: a path only means something for the property that printed it).
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED;
if (seed) {
  if (!/^-?\d+$/.test(seed))
    throw new Error(`FC_SEED must be the integer seed fast-check printed, not '${seed}'`);
  const replayPath = process.env.FC_PATH;
  fc.configureGlobal({
    ...fc.readConfigureGlobal(),
    seed: Number(seed),
    ...(replayPath ? { path: replayPath, endOnFailure: true } : {}),
  });
}

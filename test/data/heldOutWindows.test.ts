import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stories260K } from '../helpers';
import { calibrationWindows } from '../../src/data/calibrationWindows';
import { heldOutWindows, heldOutFromIds, HELD_OUT_SAMPLES } from '../../src/data/heldOutWindows';

test('held-out windows from the calibration ids equal a fresh draw from the corpus, and differ from the calibration windows', async () => {
  const loaded = await stories260K();
  const calib = await calibrationWindows(loaded, { samples: 8, seqlen: 32, seed: 5 });
  const fromIds = heldOutFromIds(calib.ids, calib, 6);
  assert.deepEqual(fromIds, await heldOutWindows(loaded, { seqlen: 32, seed: 5 }, { samples: 6 }));
  assert.equal(heldOutFromIds(calib.ids, calib).length, HELD_OUT_SAMPLES);
  assert.notDeepEqual(fromIds, calib.windows.slice(0, 6));
});

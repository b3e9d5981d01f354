// ADMM earns its keep on the real model: the feasible objective of its final mask is no worse than that of
// its iteration-0 mask (the one-shot projection of the dense weights), at several sparsities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stories260K } from '../helpers';
import { collectStats } from '../../src/prune/stats';
import { buildProblems } from '../../src/prune/moduleProblems';
import { buildAdmmProblem } from '../../src/prune/admm/problem';
import { runAdmm } from '../../src/prune/admm/run';
import { calibrationWindows } from '../../src/data/calibrationWindows';

test('stories260K: ADMM final objective ≤ the iteration-0 one-shot mask objective (s = 0.2, 0.4)', async () => {
  const loaded = await stories260K();
  const { windows } = await calibrationWindows(loaded, { samples: 8, seqlen: 64, seed: 0 });
  const problems = await buildProblems(loaded.model, await collectStats(loaded.model, windows));
  for (const s of [0.2, 0.4]) {
    const problem = await buildAdmmProblem(problems, s, { iterations: 12 });
    const state = await runAdmm(problem);
    const first = state.reports[0];
    const last = state.reports[state.reports.length - 1];
    assert.equal(first.iteration, 0);
    assert.ok(last.iteration > 0);
    assert.ok(last.sparsity >= s - 1e-12, `sparsity ${last.sparsity}`);
    assert.ok(last.objective <= first.objective * (1 + 1e-9), `s=${s}: final ${last.objective} > one-shot ${first.objective}`);
    console.log(`s=${s}: one-shot ${first.objective.toExponential(4)} → ADMM ${last.objective.toExponential(4)} after ${last.iteration} iterations`);
  }
});

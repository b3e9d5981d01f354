// llama.cpp (through node-llama-cpp) in its own process: GGML asserts abort the whole process, so the
// project never loads a GGUF in its own. Started by src/gguf/llamaCpp.ts; one JSON request on stdin,
// one JSON reply on stdout ({ok: true, ...} or {ok: false, error}). Plain ESM because node-llama-cpp is
// ESM-only and lives in this folder's own node_modules (scripts/setup-llama.sh).
//
// Settings for exact comparisons: CPU only, F32 KV cache, flash attention off, `threads` (default 1).
// Requests: {op: 'logits'|'nll'|'generate'|'bench'|'tokenize', model: FILE.gguf, ...}
//   logits   {windows: number[][]}            → {logits: base64 float32 [window][position][vocab]}
//   nll      {windows: number[][]}            → {nll: number[] (sum of −log p(ids[t+1] | ids[..t]) per window, float64)}
//   generate {prompt: number[], steps}         → {ids: number[]} greedy (argmax, lowest id on ties)
//   bench    {prompt: number, gen: number, repeats} → {pp: tokens/s[], tg: tokens/s[]}
//   tokenize {text}                           → {ids: number[]}
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Logits of one position as a Float32Array indexed by token id. */
function dense(map, vocab) {
  const out = new Float32Array(vocab);
  for (const [id, v] of map) out[id] = v;
  return out;
}

/** Evaluate `ids` from an empty sequence; calls `each(t, logits)` for every position. */
async function evalWindow(seq, ids, vocab, each) {
  await seq.clearHistory();
  const input = ids.map((id) => [id, { generateNext: { logits: true } }]);
  const res = await seq.controlledEvaluate(input);
  res.forEach((r, t) => each(t, dense(r.next.logits, vocab)));
}

function argmax(x) {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

async function main() {
  const req = await readStdin();
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: req.threads ?? 1 });
  const model = await llama.loadModel({ modelPath: req.model, gpuLayers: 0, useMmap: true });
  const meta = model.fileInfo.metadata;
  const nVocab = Number(meta[meta.general.architecture]?.vocab_size ?? meta.tokenizer.ggml.tokens.length);
  const ctxSize = req.contextSize ?? model.trainContextSize;
  const context = await model.createContext({
    contextSize: ctxSize,
    batchSize: ctxSize,
    threads: req.threads ?? 1,
    flashAttention: false,
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
    sequences: 1,
  });
  const seq = context.getSequence();
  let reply;
  if (req.op === 'logits') {
    const parts = [];
    for (const w of req.windows) await evalWindow(seq, w, nVocab, (_, l) => parts.push(Buffer.from(l.buffer)));
    reply = { logits: Buffer.concat(parts).toString('base64'), vocab: nVocab };
  } else if (req.op === 'nll') {
    const nll = [];
    for (const w of req.windows) {
      let sum = 0;
      await evalWindow(seq, w, nVocab, (t, l) => {
        if (t + 1 >= w.length) return;
        let m = -Infinity;
        for (const v of l) if (v > m) m = v;
        let s = 0;
        for (const v of l) s += Math.exp(v - m);
        sum += m + Math.log(s) - l[w[t + 1]];
      });
      nll.push(sum);
    }
    reply = { nll };
  } else if (req.op === 'generate') {
    await seq.clearHistory();
    const ids = [];
    let res = await seq.controlledEvaluate(req.prompt.map((id, i) => (i === req.prompt.length - 1 ? [id, { generateNext: { logits: true } }] : id)));
    for (let s = 0; s < req.steps; s++) {
      const next = argmax(dense(res[res.length - 1].next.logits, nVocab));
      ids.push(next);
      if (s + 1 < req.steps) res = await seq.controlledEvaluate([[next, { generateNext: { logits: true } }]]);
    }
    reply = { ids };
  } else if (req.op === 'bench') {
    const pp = [];
    const tg = [];
    const prompt = Array.from({ length: req.prompt }, (_, i) => 3 + ((i * 7919) % (nVocab - 3)));
    for (let r = 0; r < (req.repeats ?? 3); r++) {
      await seq.clearHistory();
      let t0 = performance.now();
      await seq.evaluateWithoutGeneratingNewTokens(prompt);
      pp.push(req.prompt / ((performance.now() - t0) / 1000));
      let tok = prompt[prompt.length - 1];
      await seq.clearHistory();
      await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 1));
      t0 = performance.now();
      for (let i = 0; i < req.gen; i++) {
        const res = await seq.controlledEvaluate([[tok, { generateNext: { token: true } }]]);
        tok = res[0].next.token ?? 3;
      }
      tg.push(req.gen / ((performance.now() - t0) / 1000));
    }
    reply = { pp, tg };
  } else if (req.op === 'tokenize') {
    reply = { ids: [...model.tokenize(req.text)] };
  } else {
    throw new Error(`unknown op ${JSON.stringify(req.op)}`);
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  process.stdout.write(JSON.stringify({ ok: true, ...reply }) + '\n');
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message ? e.message : e) }) + '\n');
  process.exitCode = 1;
});

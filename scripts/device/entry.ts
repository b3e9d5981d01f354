// Entry of the device bundle (scripts/device-bundle.ts): the CLI, plus `device-check STEP` used by
// scripts/device-check.sh. Each step runs on the backend of STRUCTPRUNE_BACKEND and prints ONE JSON line.
//   device-check adapter                      backend, adapter, limits
//   device-check forward [--tokens 512] [--rounds 5]   stories260K forward tokens/s, both attention layouts
//   device-check ppl [--max-windows N]        perplexity of stories260K on tinystories-val (all windows) + time
//   device-check prune [--iterations 10] [--samples 16] [--seqlen 256]   StructPrune s = 0.3, timings, mask digest
//   device-check memory [--sizes 3] [--iterations 2]   memory experiment (llama family, both methods) in this process
import { createHash } from 'crypto';
import { main } from '../../src/cli/main';
import { tf, initBackend } from '../../src/backend';
import { loadModel } from '../../src/model/load';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { corpusIds } from '../../src/data/corpusIds';
import { perplexity } from '../../src/eval/perplexity';
import { calibrationWindows } from '../../src/data/calibrationWindows';
import { prune } from '../../src/prune/prune';
import { memoryExperiment } from '../../src/experiments/memoryScaling';
import type { AttentionLayout } from '../../src/model/blocks';

function opt(argv: string[], name: string, dflt: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number, got ${argv[i + 1]}`);
  return v;
}

const round = (x: number, d = 3) => Number(x.toFixed(d));

async function step(name: string, argv: string[]): Promise<Record<string, unknown>> {
  const info = await initBackend();
  const base = { step: name, backend: info.name, adapter: info.webgpu?.adapter.description ?? null };
  if (name === 'adapter') {
    const l = info.webgpu?.limits;
    return {
      ...base,
      provider: info.provider,
      adapterInfo: info.webgpu?.adapter ?? null,
      vulkanIcd: info.webgpu?.vulkanIcd ?? null,
      limits: l
        ? {
            maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
            maxBufferSize: l.maxBufferSize,
            maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
            maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          }
        : null,
    };
  }
  const loaded = await loadModel('stories260K');
  const { model } = loaded;
  if (name === 'forward') {
    const T = Math.min(opt(argv, 'tokens', model.config.maxSeq), model.config.maxSeq);
    const rounds = opt(argv, 'rounds', 5);
    const ids = (await corpusIds(loaded.codec, 'tinystories-val')).slice(0, T);
    const dm = toDevice(model);
    const out: Record<string, number> = {};
    try {
      for (const layout of ['perHead', 'batched'] as AttentionLayout[]) {
        const run = async () => {
          const t = tf.tidy(() => forward(model.config, dm.weights, ids, { attention: layout }).logits);
          await t.data();
          t.dispose();
        };
        await run(); // warm-up: shader compilation on webgpu
        const t0 = performance.now();
        for (let r = 0; r < rounds; r++) await run();
        out[`${layout}TokensPerS`] = round((T * rounds) / ((performance.now() - t0) / 1000), 1);
      }
    } finally {
      dm.dispose();
    }
    return { ...base, tokens: T, rounds, ...out };
  }
  if (name === 'ppl') {
    const ids = await corpusIds(loaded.codec, 'tinystories-val');
    const maxWindows = argv.includes('--max-windows') ? opt(argv, 'max-windows', 1) : undefined;
    const r = await perplexity(model, ids, { maxWindows });
    return { ...base, ppl: r.ppl, nll: r.nll, windows: r.windows, tokens: r.tokens, seconds: round(r.seconds, 2) };
  }
  if (name === 'prune') {
    const { windows } = await calibrationWindows(loaded, { samples: opt(argv, 'samples', 16), seqlen: opt(argv, 'seqlen', 256), seed: 0 });
    const iterations = opt(argv, 'iterations', 10);
    const r = await prune(model, { method: 'structprune', sparsity: 0.3, windows, admm: { iterations } });
    const digest = createHash('sha256').update(JSON.stringify(r.mask)).digest('hex').slice(0, 16);
    return {
      ...base,
      sparsity: round(r.report.sparsity, 4),
      iterations: r.report.admm?.iterations,
      seconds: r.report.seconds,
      maskSha256: digest,
      peakGpuBytes: r.report.memory.gpu?.peakBytes ?? null,
      peakTensorBytes: r.report.memory.peakBytes,
    };
  }
  if (name === 'memory') {
    const r = await memoryExperiment({ family: 'llama', sizes: opt(argv, 'sizes', 3), iterations: opt(argv, 'iterations', 2), freshProcess: false });
    return {
      ...base,
      fit: r.fit,
      predictedFit: r.predictedFit,
      maxModelError: round(r.maxModelError, 4),
      wallSeconds: round(r.wallSeconds, 1),
      points: r.points.map((p) => ({
        label: p.label,
        method: p.method,
        params: p.params,
        gpuPeakBytes: p.gpuPeakBytes,
        peakNewBufferBytes: p.peakNewBufferBytes,
        predictedPeakBytes: p.predictedPeakBytes,
        seconds: round(p.seconds, 2),
      })),
    };
  }
  throw new Error(`device-check: unknown step "${name}" (adapter|forward|ppl|prune|memory)`);
}

async function run(argv: string[]): Promise<number> {
  if (argv[0] !== 'device-check') return main(argv);
  const t0 = performance.now();
  const line = await step(argv[1] ?? '', argv.slice(2));
  process.stdout.write(JSON.stringify({ ...line, wallSeconds: round((performance.now() - t0) / 1000, 2) }) + '\n');
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`structprune: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);

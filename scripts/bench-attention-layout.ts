// Forward time of the two attention layouts (blocks.ts AttentionLayout) on wasm and webgpu, interleaved
// A/B rounds: `node --import tsx scripts/bench-attention-layout.ts [--tokens 256] [--rounds 5] [--model stories260K]`.
// webgpu needs scripts/setup-webgpu.sh (no GPU) or a Vulkan driver. One JSON line per backend × layout.
import { tf, initBackend } from '../src/backend';
import { loadModel } from '../src/model/load';
import { toDevice } from '../src/model/device';
import { forward } from '../src/model/forward';
import type { AttentionLayout } from '../src/model/blocks';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  const T = Number(arg('tokens', '256'));
  const rounds = Number(arg('rounds', '5'));
  await initBackend('wasm');
  const { model } = await loadModel(arg('model', 'stories260K'));
  const ids = Array.from({ length: T }, (_, i) => (i * 7919 + 1) % model.config.vocabSize);
  const layouts: AttentionLayout[] = ['perHead', 'batched'];
  for (const backend of ['wasm', 'webgpu'] as const) {
    await initBackend(backend);
    const dm = toDevice(model);
    const times: Record<string, number[]> = { perHead: [], batched: [] };
    const run = async (layout: AttentionLayout) => {
      const t0 = performance.now();
      const t = tf.tidy(() => forward(model.config, dm.weights, ids, { attention: layout }).logits);
      await t.data();
      t.dispose();
      return performance.now() - t0;
    };
    for (const l of layouts) await run(l); // warm-up (shader compilation on webgpu)
    for (let r = 0; r < rounds; r++) for (const l of r % 2 ? [...layouts].reverse() : layouts) times[l].push(await run(l));
    dm.dispose();
    for (const l of layouts) {
      const s = times[l].sort((a, b) => a - b);
      console.log(JSON.stringify({ backend, layout: l, tokens: T, medianMs: +s[s.length >> 1].toFixed(1), minMs: +s[0].toFixed(1), rounds }));
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

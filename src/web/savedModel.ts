// The project's saved-model directory (src/model/pruned.ts: config.json, model.safetensors, report.json,
// tokenizer.bin) as in-memory files, for the browser's download: the same bytes savePruned writes for a
// llama2.c-tokenized model (F32 safetensors with metadata {format, layout}, names in UTF-8 byte order,
// header padded with spaces to 8 bytes; JSON with indent 2 and a trailing newline). Browser-safe.
import { Model } from '../model/model';
import { HostWeights } from '../model/hostTensor';

export const PRUNED_FORMAT = 'structprune-pruned';
export const PRUNED_VERSION = 1;

const utf8 = new TextEncoder();

function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** F32 safetensors bytes of `weights` with a `__metadata__` map (as writeSafetensors with dtype F32). */
export function safetensorsBytes(weights: HostWeights, metadata: Record<string, string>): Uint8Array {
  const parts: string[] = [];
  const metaKeys = Object.keys(metadata).sort(compareUtf8);
  parts.push(`"__metadata__":{${metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  const names = Object.keys(weights).sort(compareUtf8);
  let offset = 0;
  for (const name of names) {
    const t = weights[name];
    const numel = t.shape.reduce((a, d) => a * d, 1);
    if (numel !== t.data.length) throw new RangeError(`safetensorsBytes: ${name} has shape [${t.shape}] but ${t.data.length} values`);
    const end = offset + numel * 4;
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: 'F32', shape: t.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  const headerBytes = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerBytes + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(headerBytes), true);
  out.fill(0x20, 8, 8 + headerBytes);
  out.set(json, 8);
  let at = 8 + headerBytes;
  for (const name of names) {
    const data = weights[name].data;
    for (let i = 0; i < data.length; i++, at += 4) dv.setFloat32(at, data[i], true);
  }
  return out;
}

/** The files of a saved model directory, name → bytes (tokenizer: llama2.c tokenizer.bin bytes). */
export function savedModelFiles(model: Model, tokenizerBin: Uint8Array, report: unknown): Record<string, Uint8Array> {
  const json = (v: unknown) => utf8.encode(JSON.stringify(v, null, 2) + '\n');
  const config = {
    format: PRUNED_FORMAT,
    version: PRUNED_VERSION,
    layout: 'in-out',
    config: model.config,
    source: { name: model.source.name, sha256: model.source.sha256 },
    tokenizer: { kind: 'llama2c', file: 'tokenizer.bin' },
  };
  return {
    'tokenizer.bin': tokenizerBin,
    'model.safetensors': safetensorsBytes(model.weights, { format: PRUNED_FORMAT, layout: 'in-out' }),
    'report.json': json(report),
    'config.json': json(config),
  };
}

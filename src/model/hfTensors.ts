// The tensors of a Hugging Face checkpoint folder as one source: a single model.safetensors or a sharded
// model.safetensors.index.json (as transformers resolves them). Names and shapes as stored; no conversion.
import * as fs from 'fs';
import * as path from 'path';
import { HostTensor } from './hostTensor';
import { ModelFormatError } from '../errors';
import { openSafetensors } from '../io/safetensorsReader';
import { SafetensorsHandle } from '../io/safetensorsHeader';
import { HF_FILES } from './hfNames';

export interface TensorSource {
  /** Every tensor name, over all shards. */
  names: string[];
  /** Shape as stored, and the file holding it. */
  info(name: string): { shape: number[]; file: string };
  read(name: string): HostTensor;
  close(): void;
}

function openSingle(file: string): TensorSource {
  const h = openSafetensors(file);
  return {
    names: h.entries.map((e) => e.name),
    info: (name) => ({ shape: h.entry(name).shape.slice(), file }),
    read: (name) => h.read(name),
    close: () => h.close(),
  };
}

function openSharded(dir: string, indexFile: string): TensorSource {
  let index: unknown;
  try {
    index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  } catch (e) {
    throw new ModelFormatError(indexFile, `cannot read the shard index: ${(e as Error).message}`);
  }
  const map = (index as { weight_map?: unknown })?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    throw new ModelFormatError(indexFile, '"weight_map" must be an object {tensor name: shard file}');
  const entries = Object.entries(map as Record<string, unknown>);
  if (entries.length === 0) throw new ModelFormatError(indexFile, '"weight_map" is empty');
  const handles = new Map<string, SafetensorsHandle>();
  const close = () => handles.forEach((h) => h.close());
  try {
    for (const [name, shard] of entries) {
      if (typeof shard !== 'string' || shard !== path.basename(shard) || shard === '..' || shard === '.') {
        throw new ModelFormatError(indexFile, `weight_map["${name}"] must be a file name inside the checkpoint directory, got ${JSON.stringify(shard)}`);
      }
      if (!handles.has(shard)) handles.set(shard, openSafetensors(path.join(dir, shard)));
      if (!handles.get(shard)!.has(name))
        throw new ModelFormatError(path.join(dir, shard), `tensor "${name}" listed in ${HF_FILES.index} is not in this shard`);
    }
  } catch (e) {
    close();
    throw e;
  }
  const where = new Map(entries as [string, string][]);
  const handle = (name: string) => {
    const shard = where.get(name);
    if (!shard) throw new ModelFormatError(indexFile, `tensor "${name}" is not in weight_map`);
    return { h: handles.get(shard)!, file: path.join(dir, shard) };
  };
  return {
    names: [...where.keys()],
    info: (name) => {
      const { h, file } = handle(name);
      return { shape: h.entry(name).shape.slice(), file };
    },
    read: (name) => handle(name).h.read(name),
    close,
  };
}

/** Open the weights of an HF directory: model.safetensors, else model.safetensors.index.json (as transformers). */
export function openTensors(dir: string): TensorSource {
  const single = path.join(dir, HF_FILES.weights);
  const index = path.join(dir, HF_FILES.index);
  if (fs.existsSync(single)) return openSingle(single);
  if (fs.existsSync(index)) return openSharded(dir, index);
  const bin = ['pytorch_model.bin', 'pytorch_model.bin.index.json'].find((f) => fs.existsSync(path.join(dir, f)));
  throw new ModelFormatError(
    dir,
    bin
      ? `only ${bin} found: PyTorch pickles are not read (unsafe, and no torch here); convert once with transformers: AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)`
      : `no ${HF_FILES.weights} or ${HF_FILES.index} in this directory`,
  );
}

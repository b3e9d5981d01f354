// How many positions of one window go through the LM head together in the loss-aware backward
// (blockBackward.ts). The head's taped work is about 11 buffers of rows × V floats (logits, log-softmax,
// one-hot targets, their gradients), so one window at once costs O(T·V): at T = 2048 and OPT's V = 50,272 that is
// ~4.5 GB, more than every block of the small OPT models. Rows are independent in the head (norm, projection,
// vocabulary matmul) and the loss is a sum over rows, so chunks of C rows give the same loss and the same
// gradient at the head's input with O(C·V) memory. No tensors here: memoryModel.ts reads it too.

/** Floats of one rows × V head buffer that a chunk may reach (2²² floats = 16 MiB in fp32). */
export const HEAD_CHUNK_FLOATS = 1 << 22;

/** Positions per head chunk for vocabulary V and windows of T tokens: ⌊HEAD_CHUNK_FLOATS / V⌋ in [1, T]. */
export function headChunkPositions(V: number, T: number, floats: number = HEAD_CHUNK_FLOATS): number {
  if (!(Number.isInteger(V) && V >= 1)) throw new RangeError(`headChunkPositions: vocabulary size must be an integer ≥ 1, got ${V}`);
  if (!(Number.isInteger(T) && T >= 1)) throw new RangeError(`headChunkPositions: window length must be an integer ≥ 1, got ${T}`);
  return Math.max(1, Math.min(T, Math.floor(floats / V)));
}

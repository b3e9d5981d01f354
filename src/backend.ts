// The one module that imports tfjs backends. Everything else takes `tf` from here.
//
// Selection: STRUCTPRUNE_BACKEND=wasm|cpu|tensorflow, or the `name` argument of initBackend().
// Unset: `tensorflow` when @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node is installed (optional peer
// dependencies, never installed by `npm install`), otherwise `wasm` (SIMD, single thread in Node).
// wasm fast path (STACK.md): plain 2-D matMul without transpose flags; weights are therefore kept
// in `[in, out]` layout in memory so that `x[T, in] @ W[in, out]` needs no transpose.
import * as tf from '@tensorflow/tfjs-core';

export { tf };

export type BackendName = 'wasm' | 'cpu' | 'tensorflow';

export interface BackendInfo {
  /** The tfjs backend in use. */
  name: BackendName;
  /** Which package provides it. */
  provider: string;
  /** Whether the optional tfjs-node packages were found. */
  nodeAvailable: { tfjsNode: boolean; tfjsNodeGpu: boolean };
  /** Why this backend was chosen. */
  reason: string;
}

const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

async function activate(name: BackendName, reason: string): Promise<BackendInfo> {
  const nodeAvailable = {
    tfjsNode: resolvable('@tensorflow/tfjs-node'),
    tfjsNodeGpu: resolvable('@tensorflow/tfjs-node-gpu'),
  };
  let provider: string;
  if (name === 'wasm') {
    require('@tensorflow/tfjs-backend-wasm');
    provider = '@tensorflow/tfjs-backend-wasm';
  } else if (name === 'cpu') {
    require('@tensorflow/tfjs-backend-cpu');
    provider = '@tensorflow/tfjs-backend-cpu';
  } else {
    provider = nodeAvailable.tfjsNodeGpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
    if (!nodeAvailable.tfjsNode && !nodeAvailable.tfjsNodeGpu) {
      throw new Error(
        'backend "tensorflow" needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu (optional, not installed); ' +
          'install one yourself or set STRUCTPRUNE_BACKEND=wasm',
      );
    }
    require(provider);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs could not initialise backend "${name}" (provider ${provider})`);
  await tf.ready();
  current = { name, provider, nodeAvailable, reason };
  return current;
}

/**
 * Initialise the tensor backend once (idempotent). Call and await it before any tensor work;
 * every public async entry point of the library does.
 */
export function initBackend(name?: BackendName): Promise<BackendInfo> {
  const env = process.env.STRUCTPRUNE_BACKEND;
  let wanted: BackendName;
  let reason: string;
  if (name) {
    wanted = name;
    reason = 'requested by initBackend()';
  } else if (env) {
    if (!BACKENDS.includes(env as BackendName)) {
      return Promise.reject(
        new Error(`STRUCTPRUNE_BACKEND="${env}" is not one of ${BACKENDS.join('|')}`),
      );
    }
    wanted = env as BackendName;
    reason = 'STRUCTPRUNE_BACKEND';
  } else if (resolvable('@tensorflow/tfjs-node-gpu') || resolvable('@tensorflow/tfjs-node')) {
    wanted = 'tensorflow';
    reason = 'tfjs-node detected';
  } else {
    wanted = 'wasm';
    reason = 'default';
  }
  if (current && current.name === wanted) return Promise.resolve(current);
  if (pending && !current) return pending;
  pending = activate(wanted, reason);
  return pending;
}

/** What backend is in use (throws before initBackend() has resolved). */
export function backendInfo(): BackendInfo {
  if (!current) throw new Error('tensor backend not initialised: await initBackend() first');
  return current;
}

// The webgpu backend in Node: Dawn's Node bindings (optional dependency `webgpu`, a prebuilt dawn.node) under
// @tensorflow/tfjs-backend-webgpu. Dawn runs over Vulkan: on an NVIDIA machine the driver's ICD, without a GPU
// Mesa's software Vulkan (lavapipe) that scripts/setup-webgpu.sh unpacks into the project's .webgpu/.
//
// Where Vulkan comes from, in this order:
//   1. VK_ICD_FILENAMES (and LD_LIBRARY_PATH for the loader) set by the caller to another ICD than the one in
//      the config below: used as they are.
//   2. Otherwise the file STRUCTPRUNE_VULKAN_CONFIG, else `.webgpu/vulkan.json` in the project (written by
//      scripts/setup-webgpu.sh): VK_ICD_FILENAMES is set from it, and the unpacked libraries it lists are
//      loaded into the process (dlopen, kept resident) before Dawn starts, so that Dawn's and the Vulkan
//      loader's own dlopen by soname find them. This is why no wrapper script or LD_LIBRARY_PATH is needed:
//      the dynamic linker reads LD_LIBRARY_PATH only at process start, too early for a library to set it.
//   3. Otherwise the system's Vulkan loader and ICDs.
// dawn.node: STRUCTPRUNE_DAWN_NODE if set (the device bundle), else the `webgpu` package's
// dist/<platform>-<arch>/dawn.node.
//
// Device limits: tfjs's own factory asks for six limits and leaves the rest at WebGPU's defaults, among them
// maxStorageBuffersPerShaderStage = 8. The AddN of a block's 8 head outputs binds 9 storage buffers: with the
// default limit its pipeline is invalid and the logits come back silently as zeros. This factory asks for
// every limit the adapter supports instead.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core'; // as backendThreads.ts: the backend modules load tfjs themselves

/** The GPU adapter Dawn picked (GPUAdapterInfo). */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/** What the webgpu start found: adapter, the device's limits, and where Vulkan came from. */
export interface WebgpuDetails {
  adapter: GpuAdapterInfo;
  /** The limits of the device as created (asked for: the adapter's own). */
  limits: Record<string, number>;
  /** Which Vulkan ICD file(s): VK_ICD_FILENAMES as in effect, or null for the system's ICD search. */
  vulkanIcd: string | null;
  /** 'env' (VK_ICD_FILENAMES given), 'config' (.webgpu/vulkan.json or STRUCTPRUNE_VULKAN_CONFIG), 'system'. */
  vulkanSource: 'env' | 'config' | 'system';
  /** The dawn.node file loaded. */
  dawnNode: string;
}

interface VulkanConfig {
  icd: string;
  preload: string[];
  mesa?: string;
}

// RTLD_NOW | RTLD_NODELETE (glibc): a library loaded only to be found later by soname must stay resident
// even though process.dlopen closes it again after finding no Node module in it.
const RTLD_NOW = 2;
const RTLD_NODELETE = 0x1000;

const SETUP_HINT =
  'without a GPU run `bash scripts/setup-webgpu.sh` (software Vulkan, Mesa lavapipe, into .webgpu/); on a GPU ' +
  "machine point VK_ICD_FILENAMES at the driver's Vulkan ICD (NVIDIA: /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json " +
  'or /usr/share/vulkan/icd.d/nvidia_icd.json) and make libvulkan.so.1 loadable';

function projectRoot(): string {
  return path.resolve(__dirname, '..');
}

/** Load the unpacked libraries listed in the config, dependencies first (retrying until nothing more loads). */
function preload(files: string[]): void {
  let pending = files.slice();
  let lastError = '';
  while (pending.length > 0) {
    const failed: string[] = [];
    for (const f of pending) {
      try {
        process.dlopen({ exports: {} } as NodeJS.Module, f, RTLD_NOW | RTLD_NODELETE);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        // "did not self-register": loaded fine, it just is not a Node module (the point here)
        if (!/self-register/.test(msg)) {
          failed.push(f);
          lastError = msg;
        }
      }
    }
    if (failed.length === pending.length) {
      throw new Error(`webgpu: could not load the unpacked Vulkan libraries (${lastError.split('\n')[0]}); rerun \`bash scripts/setup-webgpu.sh --force\``);
    }
    pending = failed;
  }
}

let vulkanState: { icd: string | null; source: WebgpuDetails['vulkanSource'] } | null = null;

/** Make Vulkan findable before Dawn loads (see the header); runs once per process. */
function prepareVulkan(): { icd: string | null; source: WebgpuDetails['vulkanSource'] } {
  if (vulkanState) return vulkanState;
  const given = process.env.STRUCTPRUNE_VULKAN_CONFIG;
  const file = given ? path.resolve(given) : path.join(projectRoot(), '.webgpu', 'vulkan.json');
  const envIcd = process.env.VK_ICD_FILENAMES;
  if (!fs.existsSync(file)) {
    if (given) throw new Error(`STRUCTPRUNE_VULKAN_CONFIG=${given}: no such file; unset it or run \`bash scripts/setup-webgpu.sh\``);
    vulkanState = envIcd ? { icd: envIcd, source: 'env' } : { icd: null, source: 'system' };
    return vulkanState;
  }
  let cfg: VulkanConfig;
  try {
    cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as VulkanConfig;
  } catch (e) {
    throw new Error(`webgpu: ${file} is not valid JSON (${(e as Error).message}); rerun \`bash scripts/setup-webgpu.sh --force\``);
  }
  // VK_ICD_FILENAMES naming another ICD wins; naming this one (a child of a process that set it) still
  // needs the libraries loaded, since LD_LIBRARY_PATH was never set
  if (envIcd && envIcd !== cfg.icd) {
    vulkanState = { icd: envIcd, source: 'env' };
    return vulkanState;
  }
  const missing = [cfg.icd, ...(cfg.preload ?? [])].filter((f) => typeof f !== 'string' || !fs.existsSync(f));
  if (missing.length > 0) {
    throw new Error(`webgpu: ${file} names files that are gone (${missing[0]}); rerun \`bash scripts/setup-webgpu.sh --force\``);
  }
  preload(cfg.preload ?? []);
  process.env.VK_ICD_FILENAMES = cfg.icd;
  vulkanState = { icd: cfg.icd, source: 'config' };
  return vulkanState;
}

/** Path of dawn.node, or a clear error naming the fix. */
function dawnNodePath(): string {
  const given = process.env.STRUCTPRUNE_DAWN_NODE;
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`STRUCTPRUNE_DAWN_NODE=${given}: no such file; unset it to use the \`webgpu\` package`);
    return path.resolve(given);
  }
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve('webgpu/package.json'));
  } catch {
    throw new Error(
      'backend "webgpu" needs the optional dependency `webgpu` (Dawn for Node), which is not installed: run ' +
        '`npm install` without --omit=optional (or `npm install webgpu@0.6.2`), or set STRUCTPRUNE_BACKEND=wasm',
    );
  }
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const file = path.join(pkgDir, 'dist', `${process.platform}-${arch}`, 'dawn.node');
  if (!fs.existsSync(file)) {
    throw new Error(`the \`webgpu\` package has no Dawn build for ${process.platform}-${arch} (${file}); use STRUCTPRUNE_BACKEND=wasm`);
  }
  return file;
}

// WebGPU limit names (spec), read one by one: Dawn's limits object keeps them as prototype getters. The two
// dynamic-offset limits are left at their defaults: tfjs uses no dynamic offsets, and asking for lavapipe's
// 10^6 makes Dawn print a warning for every pipeline.
const LIMIT_NAMES = [
  'maxTextureDimension1D',
  'maxTextureDimension2D',
  'maxTextureDimension3D',
  'maxTextureArrayLayers',
  'maxBindGroups',
  'maxBindGroupsPlusVertexBuffers',
  'maxBindingsPerBindGroup',
  'maxSampledTexturesPerShaderStage',
  'maxSamplersPerShaderStage',
  'maxStorageBuffersPerShaderStage',
  'maxStorageTexturesPerShaderStage',
  'maxUniformBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxStorageBufferBindingSize',
  'minUniformBufferOffsetAlignment',
  'minStorageBufferOffsetAlignment',
  'maxVertexBuffers',
  'maxBufferSize',
  'maxVertexAttributes',
  'maxVertexBufferArrayStride',
  'maxInterStageShaderVariables',
  'maxColorAttachments',
  'maxColorAttachmentBytesPerSample',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
];

interface DawnAdapter {
  limits: Record<string, number>;
  features: Set<string>;
  info: GpuAdapterInfo;
  requestDevice(desc: object): Promise<DawnDevice>;
}
interface DawnDevice {
  onuncapturederror: ((ev: { error: { message: string } }) => void) | null;
}
interface Dawn {
  create(flags: string[]): { requestAdapter(opts?: object): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}

let details: WebgpuDetails | null = null;

/** Details of the running webgpu backend (null before it started). */
export function webgpuDetails(): WebgpuDetails | null {
  return details;
}

/**
 * Load Dawn, install the WebGPU globals tfjs expects (GPUBufferUsage, navigator.gpu, …) and register the
 * `webgpu` backend with a factory that asks for the adapter's own limits. Does not initialise it.
 */
export function registerWebgpu(): void {
  const vulkan = prepareVulkan();
  const dawnNode = dawnNodePath();

  const dawn = require(dawnNode) as Dawn;
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const gpu = dawn.create([]);
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator) g.navigator = {};
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });

  const webgpu = require('@tensorflow/tfjs-backend-webgpu') as typeof import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) {
        throw new Error(`webgpu: Dawn found no GPU adapter (no usable Vulkan driver): ${SETUP_HINT}`);
      }
      const limits: Record<string, number> = {};
      const adapterLimits = adapter.limits; // read once: Dawn on lavapipe warns on every read
      for (const name of LIMIT_NAMES) {
        const v = adapterLimits[name];
        if (typeof v === 'number') limits[name] = v;
      }
      const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
      const device = await adapter.requestDevice({ requiredLimits: limits, requiredFeatures });
      // tfjs reads device.limits per dispatch; each read builds a new object (and a Dawn warning on lavapipe)
      const deviceLimits = (device as unknown as { limits: Record<string, number> }).limits;
      Object.defineProperty(device, 'limits', { value: deviceLimits });
      const granted: Record<string, number> = {};
      for (const name of LIMIT_NAMES) if (typeof deviceLimits[name] === 'number') granted[name] = deviceLimits[name];
      let reported = 0;
      device.onuncapturederror = (ev) => {
        if (reported++ < 3) process.stderr.write(`structprune: webgpu error: ${ev.error.message.split('\n')[0]}\n`);
      };
      const info = adapter.info;
      details = {
        adapter: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description },
        limits: granted,
        vulkanIcd: vulkan.icd,
        vulkanSource: vulkan.source,
        dawnNode,
      };
      return new webgpu.WebGPUBackend(device as never, info as never);
    },
    3,
  );
}

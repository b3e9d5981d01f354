// Run a GGUF file in llama.cpp (node-llama-cpp, prebuilt CPU build) in a child process — GGML asserts abort
// the process that hit them, so the project never loads a GGUF in its own. The child is
// tools/llama/worker.mjs (its own node_modules, installed by scripts/setup-llama.sh). Settings for exact
// comparisons: F32 KV cache, flash attention off, 1 thread unless `threads` says otherwise.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The worker script and the folder holding node-llama-cpp. */
export const LLAMA_TOOLS_DIR = path.resolve(__dirname, '../../tools/llama');

export interface LlamaCppOptions {
  /** CPU threads (default 1). */
  threads?: number;
  /** Context (and batch) size in tokens (default: the file's context length). Keep it above the longest sequence: node-llama-cpp shifts a full context before the last logits. */
  contextSize?: number;
  /** Kill the child after this many ms (default 10 minutes). */
  timeoutMs?: number;
}

/** Whether node-llama-cpp is installed where the worker looks for it. */
export function llamaCppAvailable(): boolean {
  return fs.existsSync(path.join(LLAMA_TOOLS_DIR, 'node_modules', 'node-llama-cpp', 'package.json'));
}

/** One request to the worker; resolves with its JSON reply, rejects with llama.cpp's own message or how the child died. */
export function llamaCppRequest<T>(req: Record<string, unknown> & { op: string; model: string }, opts: LlamaCppOptions = {}): Promise<T> {
  if (!llamaCppAvailable()) {
    return Promise.reject(
      new Error(
        `llama.cpp is not installed: run scripts/setup-llama.sh (installs node-llama-cpp into ${path.relative(process.cwd(), LLAMA_TOOLS_DIR) || '.'})`,
      ),
    );
  }
  if (!fs.existsSync(req.model)) return Promise.reject(new Error(`${req.model}: no such GGUF file`));
  const body = JSON.stringify({ threads: opts.threads ?? 1, contextSize: opts.contextSize, ...req, model: path.resolve(req.model) });
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(LLAMA_TOOLS_DIR, 'worker.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8').trim();
      const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' | ');
      let reply: { ok?: boolean; error?: string } | undefined;
      try {
        reply = JSON.parse(text.split('\n').pop() ?? '');
      } catch {
        reply = undefined;
      }
      if (reply?.ok) resolve(reply as T);
      else if (reply?.error) reject(new Error(`llama.cpp could not run ${req.model}: ${reply.error}`));
      else reject(new Error(`llama.cpp died on ${req.model} (${signal ? `signal ${signal}` : `exit code ${code}`})${stderr ? `: ${stderr}` : ''}`));
    });
    child.stdin.end(body);
  });
}

/** Logits at every position of each window: one Float32Array [T·vocab] per window. */
export async function llamaCppLogits(file: string, windows: number[][], opts: LlamaCppOptions = {}): Promise<{ logits: Float32Array[]; vocab: number }> {
  const r = await llamaCppRequest<{ logits: string; vocab: number }>({ op: 'logits', model: file, windows }, opts);
  const buf = Buffer.from(r.logits, 'base64');
  const all = new Float32Array(buf.byteLength / 4);
  new Uint8Array(all.buffer).set(buf);
  let at = 0;
  const logits = windows.map((w) => all.slice(at, (at += w.length * r.vocab)));
  return { logits, vocab: r.vocab };
}

/** Sum over t of −log p(ids[t+1] | ids[..t]) for each window (float64 in the child). */
export async function llamaCppNll(file: string, windows: number[][], opts: LlamaCppOptions = {}): Promise<number[]> {
  return (await llamaCppRequest<{ nll: number[] }>({ op: 'nll', model: file, windows }, opts)).nll;
}

/** Greedy continuation of `prompt` (argmax, lowest id on ties): `steps` new ids. */
export async function llamaCppGenerate(file: string, prompt: number[], steps: number, opts: LlamaCppOptions = {}): Promise<number[]> {
  return (await llamaCppRequest<{ ids: number[] }>({ op: 'generate', model: file, prompt, steps }, opts)).ids;
}

/** Prompt-processing and generation speed (tokens/s per repeat). */
export async function llamaCppBench(
  file: string,
  spec: { prompt: number; gen: number; repeats?: number },
  opts: LlamaCppOptions = {},
): Promise<{ pp: number[]; tg: number[] }> {
  return llamaCppRequest<{ pp: number[]; tg: number[] }>({ op: 'bench', model: file, ...spec }, opts);
}

/** llama.cpp's own tokenization of `text` (no BOS): checks the exported tokenizer metadata. */
export async function llamaCppTokenize(file: string, text: string, opts: LlamaCppOptions = {}): Promise<number[]> {
  return (await llamaCppRequest<{ ids: number[] }>({ op: 'tokenize', model: file, text }, opts)).ids;
}

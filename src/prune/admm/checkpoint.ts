// Checkpoint/resume of the ADMM state. After every iteration the state goes to DIR/state-<k>.safetensors
// (P̃, Z̃, Ũ and the mask of every module), then DIR/state.json (iteration, ρ, reports, fingerprint, file
// name) is replaced atomically: a run killed at any point leaves a consistent last iteration. Older
// state files are removed after the JSON points past them. A fingerprint of the run's inputs (model,
// sparsity, options, calibration) guards against resuming a different run.
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { AdmmState, AdmmReport, printable } from './step';
import { openSafetensors } from '../../io/safetensorsReader';
import { writeSafetensors } from '../../io/safetensorsWriter';
import { writeJsonAtomic } from '../../io/atomic';
import { HostTensor } from '../../model/hostTensor';

interface StateJson {
  fingerprint: string;
  file: string;
  iteration: number;
  rho: number;
  stable: number;
  converged: boolean;
  reports: AdmmReport[];
  modules: { id: string; n: number; d: number; units: number }[];
}

/** A stable hash of the run's inputs. */
export function fingerprint(inputs: unknown): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32);
}

export interface AdmmCheckpoint {
  dir: string;
  load(): AdmmState | null;
  save(s: AdmmState): void;
}

/** A checkpoint directory bound to one run's fingerprint; `shapes` gives each module's [n, d]. */
export function admmCheckpoint(dir: string, runFingerprint: string, shapes: { id: string; n: number; d: number }[]): AdmmCheckpoint {
  const jsonFile = path.join(dir, 'state.json');
  return {
    dir,
    load() {
      if (!fs.existsSync(jsonFile)) return null;
      let j: StateJson;
      try {
        j = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
      } catch (e) {
        throw new Error(`checkpoint ${jsonFile} is not valid JSON (${(e as Error).message}); delete the directory to start over`);
      }
      if (j.fingerprint !== runFingerprint) {
        throw new Error(
          `checkpoint ${dir} belongs to a different run (model, sparsity, options or calibration differ); use another checkpoint folder (option \`checkpoint\`) or delete it`,
        );
      }
      const h = openSafetensors(path.join(dir, j.file));
      try {
        const modules = shapes.map((s, i) => {
          const meta = j.modules[i];
          if (!meta || meta.id !== s.id || meta.n !== s.n || meta.d !== s.d)
            throw new Error(`checkpoint ${dir}: module ${i} is ${JSON.stringify(meta)}, expected ${s.id} [${s.n}, ${s.d}]`);
          const get = (k: string, len: number) => {
            const t = h.read(`${s.id}.${k}`);
            if (t.data.length !== len) throw new Error(`checkpoint ${dir}: ${s.id}.${k} has ${t.data.length} values, expected ${len}`);
            return t.data.slice();
          };
          return {
            id: s.id,
            W: get('W', s.n * s.d),
            Z: get('Z', s.n * s.d),
            U: get('U', s.n * s.d),
            removed: Uint8Array.from(get('removed', meta.units)),
          };
        });
        return printable({ iteration: j.iteration, rho: j.rho, stable: j.stable, converged: j.converged, reports: j.reports, modules });
      } finally {
        h.close();
      }
    },
    save(s) {
      fs.mkdirSync(dir, { recursive: true });
      const file = `state-${s.iteration}.safetensors`;
      const tensors: Record<string, HostTensor> = {};
      s.modules.forEach((m, i) => {
        const { n, d } = shapes[i];
        tensors[`${m.id}.W`] = { shape: [n, d], data: m.W };
        tensors[`${m.id}.Z`] = { shape: [n, d], data: m.Z };
        tensors[`${m.id}.U`] = { shape: [n, d], data: m.U };
        tensors[`${m.id}.removed`] = { shape: [m.removed.length], data: Float32Array.from(m.removed) };
      });
      writeSafetensors(path.join(dir, file), tensors, { metadata: { iteration: String(s.iteration) } });
      const j: StateJson = {
        fingerprint: runFingerprint,
        file,
        iteration: s.iteration,
        rho: s.rho,
        stable: s.stable,
        converged: s.converged,
        reports: s.reports,
        modules: s.modules.map((m, i) => ({ id: m.id, n: shapes[i].n, d: shapes[i].d, units: m.removed.length })),
      };
      writeJsonAtomic(jsonFile, j);
      for (const f of fs.readdirSync(dir)) if (/^state-\d+\.safetensors$/.test(f) && f !== file) fs.rmSync(path.join(dir, f), { force: true });
    },
  };
}

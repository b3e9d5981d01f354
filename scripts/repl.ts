// `npm run repl`: a typed TypeScript REPL with top-level await and the library preloaded as `sp`.
//
//   > const m = await sp.loadModel()
//   > sp.describeModel(m.model)
//   > await sp.prune(m.model, { method: 'oops', sparsity: 0.3, windows: [] })   ← type error, not run
//
// How it works (TypeScript's own language service; no ts-node):
// 1. type-check: every input is appended to a virtual module `<root>/[repl].ts` (after the accepted inputs and
//    `import * as sp from './src/index'`) and checked by a TypeScript language service with the project's
//    tsconfig (strict) but module ES2022, so top-level await type-checks; errors in the new input are
//    printed and the input is not run. An input cut short (an open brace, …) continues on the next line.
// 2. run: the input alone is transpiled to script JavaScript (imports become require, unused ones kept) and
//    handed to Node's own REPL evaluator, which implements top-level await (`const x = await …` included).
// `npm run repl` starts this file with tsx's loader (`node --import tsx scripts/repl.ts`, package.json), so the
// library's TypeScript loads as in the CLI (bin/structprune.js, which registers `tsx/cjs`). The backend is initialised before the prompt: tfjs-wasm's Emscripten glue adds a
// process 'uncaughtException' listener, which Node's REPL refuses while it evaluates an input.
import * as path from 'path';
import * as nodeRepl from 'repl';
import * as ts from 'typescript';
import { initBackend } from '../src/backend';

const root = path.resolve(__dirname, '..');
const REPL_FILE = path.join(root, '[repl].ts');
/** Diagnostics that do not apply to REPL input (top-level await rules of module files, unused declarations). */
const IGNORED = new Set([1375, 1378, 1431, 1432, 6133, 6192, 6196, 6198]);

/** The compiler options of the project's tsconfig.json, adjusted for a REPL module with top-level await. */
function compilerOptions(): ts.CompilerOptions {
  const file = path.join(root, 'tsconfig.json');
  const cfg = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  if (cfg.error) throw new Error(ts.flattenDiagnosticMessageText(cfg.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  return { ...parsed.options, module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Node10, noEmit: true, noUnusedLocals: false };
}

/** Type-checks REPL inputs against everything accepted so far. */
export class ReplChecker {
  private accepted: string;
  private text: string;
  private version = 0;
  private readonly service: ts.LanguageService;

  constructor(prelude: string) {
    this.accepted = `export {};\n${prelude}\n`;
    this.text = this.accepted;
    const options = compilerOptions();
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => [REPL_FILE],
      getScriptVersion: (f) => (f === REPL_FILE ? String(this.version) : '0'),
      getScriptSnapshot: (f) => {
        if (f === REPL_FILE) return ts.ScriptSnapshot.fromString(this.text);
        const s = ts.sys.readFile(f);
        return s === undefined ? undefined : ts.ScriptSnapshot.fromString(s);
      },
      getCurrentDirectory: () => root,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => f === REPL_FILE || ts.sys.fileExists(f),
      readFile: (f) => (f === REPL_FILE ? this.text : ts.sys.readFile(f)),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** Errors in `input` (empty: it type-checks); `incomplete` when the input ends inside a construct. */
  check(input: string): { errors: string[]; incomplete: boolean } {
    const start = this.accepted.length;
    this.text = this.accepted + input + '\n';
    this.version++;
    const syntactic = this.service.getSyntacticDiagnostics(REPL_FILE).filter((d) => (d.start ?? 0) >= start);
    const end = this.text.length;
    const incomplete = syntactic.some((d) => (d.start ?? 0) >= end - 1);
    const all = syntactic.length ? syntactic : this.service.getSemanticDiagnostics(REPL_FILE).filter((d) => (d.start ?? 0) >= start);
    const errors = all
      .filter((d) => !IGNORED.has(d.code))
      .map((d) => {
        const { line, character } = ts.getLineAndCharacterOfPosition(d.file!, d.start ?? 0);
        const first = ts.getLineAndCharacterOfPosition(d.file!, start).line;
        return `(${line - first + 1},${character + 1}): error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    return { errors, incomplete };
  }

  /** Keep `input` for the types of later inputs. */
  accept(input: string): void {
    this.accepted += input + '\n';
  }
}

/** Local names bound by the value imports of `input` (so that transpiling does not drop an import the input itself does not use). */
function importedNames(input: string): string[] {
  const sf = ts.createSourceFile('input.ts', input, ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !st.importClause || st.importClause.isTypeOnly) continue;
    const c = st.importClause;
    if (c.name) names.push(c.name.text);
    if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) names.push(c.namedBindings.name.text);
    if (c.namedBindings && ts.isNamedImports(c.namedBindings)) for (const e of c.namedBindings.elements) if (!e.isTypeOnly) names.push(e.name.text);
  }
  return names;
}

/** Script JavaScript for Node's evaluator: imports become require, no module prologue, no "use strict". */
export function toScript(input: string): string {
  const names = importedNames(input);
  const js = ts.transpileModule(names.length ? `${input}\n;void [${names.join(', ')}];` : input, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true, alwaysStrict: false, sourceMap: false },
    reportDiagnostics: false,
  }).outputText;
  return js.replace(/^"use strict";\n/, '').replace(/^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);\n/m, '');
}

async function main(): Promise<void> {
  const info = await initBackend();
  const index = path.join(root, 'src', 'index').split(path.sep).join('/');
  const prelude = `import * as sp from ${JSON.stringify(index)};`;
  const checker = new ReplChecker(prelude);
  // Load the library before the prompt, and warm the type checker (the first check reads every source file).
  (globalThis as unknown as Record<string, unknown>).sp = require(index);
  checker.check('');
  if (process.stdin.isTTY) {
    process.stdout.write(
      `StructPrune-TS REPL (${info.name} backend): the library is \`sp\`, typed, with top-level await. Try \`const m = await sp.loadModel()\`; .help lists commands.\n`,
    );
  }
  const server = nodeRepl.start({ prompt: '> ', useGlobal: true });
  const nodeEval = server.eval;
  const typedEval: nodeRepl.REPLEval = function (this: nodeRepl.REPLServer, code, context, file, cb) {
    const input = code.replace(/\n$/, '');
    if (input.trim() === '') return nodeEval.call(this, code, context, file, cb);
    const { errors, incomplete } = checker.check(input);
    if (incomplete) return cb(new nodeRepl.Recoverable(new SyntaxError('incomplete input')), undefined);
    if (errors.length) {
      const e = new Error(errors.join('\n'));
      e.name = 'TypeScript';
      e.stack = `TypeScript: ${errors.join('\n')}`;
      return cb(e, undefined);
    }
    checker.accept(input);
    return nodeEval.call(this, toScript(input), context, file, cb);
  };
  (server as unknown as { eval: nodeRepl.REPLEval }).eval = typedEval;
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`structprune repl: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}

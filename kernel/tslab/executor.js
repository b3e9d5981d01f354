"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.createExecutor = exports.createRequire = void 0;
const path_1 = __importDefault(require("path"));
const vm_1 = __importDefault(require("vm"));
const module_1 = __importDefault(require("module"));
const fs_1 = __importDefault(require("fs"));
const metadata_1 = require("./metadata");
const tspath_1 = require("./tspath");
/**
 * createRequire creates `require` which resolves modules from `rootDir`.
 */
function createRequire(rootDir) {
    return module_1.default.createRequire((0, tspath_1.normalizeJoin)(rootDir, "src.js"));
}
exports.createRequire = createRequire;
/**
 * Wrap `require` to hook import of tslab and imports from sideOutputs.
 */
function wrapRequire(req, dirname, sideOutputs, sideModules) {
    function requireFromSideOutputs(id) {
        let filename = (0, tspath_1.normalizeJoin)(dirname, id);
        if (path_1.default.extname(filename) === "") {
            filename += ".js";
        }
        const cached = sideModules.get(filename);
        if (cached) {
            return cached.exports;
        }
        if (!sideOutputs.has(filename)) {
            return null;
        }
        const mod = new module_1.default(filename, module);
        // Emulate load of Module:
        // https://github.com/nodejs/node/blob/118b28abed73f82f0d6aab33031edfc78934d90f/lib/internal/modules/cjs/loader.js#L1033
        mod.filename = filename;
        mod.paths = module_1.default["_nodeModulePaths"](path_1.default.dirname(filename));
        // Wrap require to hook tslab and imports from sideOutputs.
        mod.require = wrapRequire(mod.require, path_1.default.dirname(filename), sideOutputs, sideModules);
        mod._compile(sideOutputs.get(filename), filename);
        sideModules.set(filename, mod);
        return mod.exports;
    }
    return new Proxy(req, {
        // TODO: Test this behavior.
        apply: (_target, thisArg, argArray) => {
            if (argArray.length !== 1) {
                return req.apply(thisArg, argArray);
            }
            const arg = argArray[0];
            if (arg === "tslab") {
                // Hook require('tslab'): this fork's public API.
                return require("./public");
            }
            const mod = requireFromSideOutputs(arg);
            if (mod) {
                return mod;
            }
            return req.apply(thisArg, argArray);
        },
    });
}
function createExecutor(rootDir, convs, console) {
    const sideOutputs = new Map();
    const sideModules = new Map();
    function updateSideOutputs(outs) {
        for (const out of outs) {
            if (sideModules.has(out.path)) {
                sideModules.delete(out.path);
            }
            sideOutputs.set(out.path, out.data);
        }
    }
    const exports = createExports();
    const req = wrapRequire(createRequire(rootDir), rootDir, sideOutputs, sideModules);
    // Set __tslab__ to pass `exports` and `require` to the code.
    // We need to wrapthe code with runInThisContext rather than
    // setting __tslab__ to globalThis directory because jest
    // hooks accesses to global variables.
    vm_1.default.runInThisContext("(x) => {globalThis.__tslab__ = x; }")({
        exports,
        require: req,
    });
    let prevDecl = "";
    let lastLibraryWarnings = "";
    let interrupted = new Error("Interrupted asynchronously");
    let rejectInterruptPromise;
    let interruptPromise;
    function resetInterruptPromise() {
        interruptPromise = new Promise((_, reject) => {
            rejectInterruptPromise = reject;
        });
        // Suppress "UnhandledPromiseRejectionWarning".
        interruptPromise.catch(() => { });
    }
    resetInterruptPromise();
    function interrupt() {
        rejectInterruptPromise(interrupted);
        resetInterruptPromise();
    }
    function createExports() {
        const exports = {};
        return new Proxy(exports, {
            // We need to handle defineProperty as set because TypeScript converts
            // named imports to defineProperty but we want to named imported symbols rewritable.
            defineProperty: (_target, prop, attrs) => {
                if (prop === "__esModule") {
                    return true;
                }
                if (attrs.get) {
                    exports[prop] = attrs.get();
                }
                else {
                    exports[prop] = attrs.value;
                }
                return true;
            },
        });
    }
    function formatDiagnostic(diag) {
        const where = diag.fileName ? diag.fileName + ":" : "cell line ";
        return `${where}${diag.start.line + 1}:${diag.start.character + 1} - error TS${diag.code}: ${diag.messageText}`;
    }
    /** structprune-ts fork: TypeScript diagnostics as one Jupyter error (ename/evalue/traceback). */
    function diagnosticsError(diagnostics) {
        const lines = diagnostics.map(formatDiagnostic);
        return {
            ename: "TypeScriptError",
            evalue: lines[0] + (lines.length > 1 ? ` (and ${lines.length - 1} more)` : ""),
            traceback: lines,
        };
    }
    /** structprune-ts fork: a thrown value as a Jupyter error; stack frames of the kernel itself are dropped. */
    function thrownError(e) {
        if (e instanceof Error || (e && typeof e === "object" && "message" in e)) {
            const ename = e.name || (e.constructor && e.constructor.name) || "Error";
            const evalue = String(e.message);
            let stack = typeof e.stack === "string" ? e.stack.split("\n") : [`${ename}: ${evalue}`];
            // Node prefixes errors thrown in vm code with the source line and a caret: start at "Name: message".
            const first = stack.findIndex((line) => line.startsWith(ename));
            if (first > 0) {
                stack = stack.slice(first);
            }
            const traceback = stack.filter((line) => !line.includes(__dirname) && !/node:vm|node:internal|sigintHandlersWrap/.test(line));
            if (e === interrupted || /^Script execution was interrupted/.test(evalue)) {
                return { ename: "Interrupted", evalue: "the cell was interrupted", traceback: ["Interrupted: the cell was interrupted"] };
            }
            return { ename, evalue, traceback: traceback.length ? traceback : [`${ename}: ${evalue}`] };
        }
        return { ename: "Error", evalue: `a non-Error value was thrown: ${String(e)}`, traceback: [`Uncaught ${String(e)}`] };
    }
    /**
     * Run a cell. Resolves to `{ ok, error?, value?, hasValue }` (structprune-ts fork: tslab 1.0.22 printed
     * errors to stderr and the last value to stdout, and resolved to a boolean).
     */
    async function execute(src) {
        try {
            return await executeCell(src);
        }
        finally {
            rememberLoadedModules();
        }
    }
    async function executeCell(src) {
        const meta = (0, metadata_1.getCodeMetadata)(src);
        if (meta.module) {
            const conv = meta.mode === "browser" ? convs.browser : convs.node;
            const diags = conv.addModule(meta.module, src, meta);
            // Modules are registered regardless of errors in src; errors are reported.
            return diags.length > 0 ? { ok: false, error: diagnosticsError(diags) } : { ok: true };
        }
        if (meta.mode === "browser") {
            // TODO: Bundle and display browser JS
            return { ok: true };
        }
        reloadChangedModules();
        const converted = convs.node.convert(prevDecl, src);
        if (converted.sideOutputs) {
            updateSideOutputs(converted.sideOutputs);
        }
        // structprune-ts fork: errors in the cell fail it; type errors in project files it imports (the library)
        // are printed as warnings, once per change, and the cell runs (the library runs through tsx like the CLI).
        const cellDiags = converted.fatal ? converted.diagnostics : converted.diagnostics.filter((d) => !d.fileName);
        const libDiags = converted.diagnostics.filter((d) => d.fileName);
        const libText = libDiags.map(formatDiagnostic).join("\n");
        if (libText !== lastLibraryWarnings) {
            lastLibraryWarnings = libText;
            if (libText) {
                console.error(`warning: type errors in project files (the cell still runs):\n${libText}`);
            }
        }
        if (cellDiags.length > 0) {
            return { ok: false, error: diagnosticsError(cellDiags) };
        }
        if (!converted.output) {
            prevDecl = converted.declOutput || "";
            return { ok: true };
        }
        let promise = null;
        try {
            // Wrap code with (function(){...}) to improve the performance (#11)
            // Also, it's necessary to redeclare let and const in tslab.
            const prefix = converted.hasToplevelAwait
                ? "(async function(exports, require) { "
                : "(function(exports, require) { ";
            const wrapped = prefix +
                converted.output +
                "\n})(__tslab__.exports, __tslab__.require)";
            const ret = vm_1.default.runInThisContext(wrapped, {
                breakOnSigint: true,
            });
            if (converted.hasToplevelAwait) {
                promise = ret;
            }
        }
        catch (e) {
            return { ok: false, error: thrownError(e) };
        }
        if (promise) {
            try {
                await Promise.race([promise, interruptPromise]);
            }
            catch (e) {
                return { ok: false, error: thrownError(e) };
            }
        }
        prevDecl = converted.declOutput || "";
        if (converted.lastExpressionVar && converted.lastExpressionVar in exports) {
            const value = exports[converted.lastExpressionVar];
            delete exports[converted.lastExpressionVar];
            return { ok: true, value, hasValue: value !== undefined };
        }
        return { ok: true };
    }
    /**
     * structprune-ts fork: reload project modules (not node_modules) whose file changed since they were
     * loaded, and every module that imports them, from Node's require cache; then rebind what earlier cells
     * imported from them (`import * as sp`, `import { f }`) to the new modules. Returns the changed files.
     */
    const loadedMtime = new Map();
    /** Values earlier cells hold from modules whose reload failed (retried before every cell). */
    let heldStale = new Map();
    function projectModules() {
        const out = [];
        for (const [file, mod] of Object.entries(require.cache)) {
            if (mod && file.startsWith(rootDir + path_1.default.sep) && !file.startsWith(__dirname) && !file.includes(`${path_1.default.sep}node_modules${path_1.default.sep}`)) {
                out.push(mod);
            }
        }
        return out;
    }
    function mtime(file) {
        try {
            return fs_1.default.statSync(file).mtimeMs;
        }
        catch {
            return -1;
        }
    }
    /** Modification times of project modules loaded by the cell that just ran (the baseline for reloads). */
    function rememberLoadedModules() {
        for (const mod of projectModules()) {
            if (!loadedMtime.has(mod.filename)) {
                loadedMtime.set(mod.filename, mtime(mod.filename));
            }
        }
    }
    function reloadChangedModules() {
        const mods = projectModules();
        const changed = [];
        for (const mod of mods) {
            const now = mtime(mod.filename);
            const was = loadedMtime.get(mod.filename);
            if (was === undefined) {
                loadedMtime.set(mod.filename, now);
            }
            else if (was !== now) {
                changed.push(mod.filename);
            }
        }
        if (changed.length === 0 && heldStale.size === 0) {
            return changed;
        }
        // Importers, transitively (module.children lists every module a module required).
        const importers = new Map();
        for (const mod of Object.values(require.cache)) {
            for (const child of (mod && mod.children) || []) {
                if (!importers.has(child.filename)) {
                    importers.set(child.filename, new Set());
                }
                importers.get(child.filename).add(mod.filename);
            }
        }
        const stale = new Set();
        const todo = [...changed];
        while (todo.length > 0) {
            const file = todo.pop();
            if (stale.has(file) || !(file in require.cache) || !file.startsWith(rootDir + path_1.default.sep) || file.includes(`${path_1.default.sep}node_modules${path_1.default.sep}`)) {
                continue;
            }
            stale.add(file);
            todo.push(...(importers.get(file) || []));
        }
        // What earlier cells hold from stale modules: the module objects and their exported values.
        const held = heldStale;
        for (const file of stale) {
            const old = require.cache[file].exports;
            held.set(old, { file, key: null });
            if (old && typeof old === "object") {
                for (const key of Object.keys(old)) {
                    const v = old[key];
                    if ((typeof v === "function" || (v && typeof v === "object")) && !held.has(v)) {
                        held.set(v, { file, key });
                    }
                }
            }
        }
        for (const file of stale) {
            delete require.cache[file];
            loadedMtime.delete(file);
        }
        for (const file of changed) {
            if (stale.has(file)) {
                console.log(`[reloaded ${path_1.default.relative(rootDir, file)} and the modules importing it]`);
            }
        }
        const failed = new Set();
        const stillHeld = new Map();
        for (const name of Object.getOwnPropertyNames(exports)) {
            const value = exports[name];
            const h = held.get(value);
            if (!h) {
                continue;
            }
            if (!failed.has(h.file)) {
                try {
                    const fresh = require(h.file);
                    exports[name] = h.key === null ? fresh : fresh[h.key];
                    continue;
                }
                catch (e) {
                    // e.g. a syntax error in the edited file: earlier cells keep the old code; retried next cell.
                    failed.add(h.file);
                    console.error(`[reload of ${path_1.default.relative(rootDir, h.file)} failed, the old code stays until it loads: ${e && e.message}]`);
                }
            }
            stillHeld.set(value, h);
        }
        heldStale = stillHeld;
        return changed;
    }
    function inspect(src, position) {
        const conv = (0, metadata_1.getCodeMetadata)(src).mode === "browser" ? convs.browser : convs.node;
        return conv.inspect(prevDecl, src, position);
    }
    function complete(src, position) {
        const conv = (0, metadata_1.getCodeMetadata)(src).mode === "browser" ? convs.browser : convs.node;
        return conv.complete(prevDecl, src, position);
    }
    function reset() {
        prevDecl = "";
        for (const name of Object.getOwnPropertyNames(exports)) {
            delete exports[name];
        }
    }
    function close() {
        convs.close();
    }
    return {
        execute,
        inspect,
        complete,
        locals: exports,
        reset,
        interrupt,
        close,
    };
}
exports.createExecutor = createExecutor;

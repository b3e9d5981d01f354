"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || function (mod) {
    if (mod && mod.__esModule) return mod;
    var result = {};
    if (mod != null) for (var k in mod) if (k !== "default" && Object.prototype.hasOwnProperty.call(mod, k)) __createBinding(result, mod, k);
    __setModuleDefault(result, mod);
    return result;
};
var __asyncValues = (this && this.__asyncValues) || function (o) {
    if (!Symbol.asyncIterator) throw new TypeError("Symbol.asyncIterator is not defined.");
    var m = o[Symbol.asyncIterator], i;
    return m ? m.call(o) : (o = typeof __values === "function" ? __values(o) : o[Symbol.iterator](), i = {}, verb("next"), verb("throw"), verb("return"), i[Symbol.asyncIterator] = function () { return this; }, i);
    function verb(n) { i[n] = o[n] && function (v) { return new Promise(function (resolve, reject) { v = o[n](v), settle(resolve, reject, v.done, v.value); }); }; }
    function settle(resolve, reject, d, v) { Promise.resolve(v).then(function(v) { resolve({ value: v, done: d }); }, reject); }
};
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.ZmqServer = exports.JupyterHandlerImpl = exports.lastWriteDisplayData = void 0;
const crypto_1 = require("crypto");
const fs_1 = __importDefault(require("fs"));
const util_1 = require("util");
const converter_1 = require("./converter");
const inspect_1 = require("./inspect");
const util_2 = require("./util");
const path_1 = __importDefault(require("path"));
/**
 * structprune-ts fork: the library's display module (src/plot/display.ts under the kernel's working directory),
 * loaded through Node's require (the tsx hook is installed by start.js), so the kernel and the cells share it.
 * null when the project has none.
 */
function loadLibraryDisplay() {
    const file = path_1.default.join(process.cwd(), "src", "plot", "display.ts");
    if (!fs_1.default.existsSync(file)) {
        return null;
    }
    try {
        return require(file);
    }
    catch (e) {
        console.error("[src/plot/display.ts failed to load: " + (e && e.message) + "]");
        return null;
    }
}
const utf8Decoder = new util_1.TextDecoder();
/**
 * The process-wide global variable to hold the last valid
 * writeDisplayData. This is used from the display public API.
 */
exports.lastWriteDisplayData = null;
/** The zmq identity prefix delimiter */
const DELIM = Buffer.from("<IDS|MSG>");
class ZmqMessage {
    constructor() { }
    static verifyHmac(key, hmac, rest) {
        const hash = (0, crypto_1.createHmac)("sha256", key);
        for (const r of rest) {
            hash.update(r);
        }
        const hex = hash.digest("hex");
        if (hex == hmac) {
            return;
        }
        throw new Error(`invalid hmac ${hmac}; want ${hex}`);
    }
    static fromRaw(key, raw) {
        const ret = new ZmqMessage();
        ret.identity = [];
        // read variable-length identity prefix:
        // [identity, [identity,] DELIM, signature, header, ...]
        //
        // https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol
        // <quote>
        // The front of the message is the ZeroMQ routing prefix,
        // which can be zero or more socket identities. This is every
        // piece of the message prior to the delimiter key <IDS|MSG>.
        // </quote>
        var delimFound = false;
        for (var buf of raw) {
            if (buf.equals(DELIM)) {
                // stop on DELIM
                delimFound = true;
                break;
            }
            else {
                ret.identity.push(buf);
            }
        }
        if (!delimFound) {
            throw new Error(`message missing delimiter`);
        }
        // split (identity, delim, hmac, messageParts) on the delimiter
        ret.hmac = raw[ret.identity.length + 1].toString();
        const messageParts = raw.slice(ret.identity.length + 2);
        ret.header = JSON.parse(messageParts[0].toString());
        ret.parent = JSON.parse(messageParts[1].toString());
        ret.metadata = JSON.parse(messageParts[2].toString());
        ret.content = JSON.parse(messageParts[3].toString());
        ret.extra = messageParts.slice(4);
        ZmqMessage.verifyHmac(key, ret.hmac, messageParts);
        return ret;
    }
    createReply() {
        const rep = new ZmqMessage();
        // https://github.com/ipython/ipykernel/blob/master/ipykernel/kernelbase.py#L222
        // idents must be copied from the parent.
        rep.identity = this.identity;
        // Sets an empty string to hmac because it won't be used.
        rep.hmac = "";
        rep.header = {
            version: "5.3",
            date: new Date().toISOString(),
            session: this.header.session,
            username: this.header.username,
            msg_type: this.header.msg_type,
            // Set a unique ID to prevent a problem like #14.
            // TODO: Check this by integration tests.
            msg_id: (0, crypto_1.randomBytes)(16).toString("hex"),
        };
        rep.parent = this.header;
        rep.metadata = {};
        rep.content = {};
        rep.extra = [];
        return rep;
    }
    signAndSend(key, sock) {
        const heads = [];
        for (var identity of this.identity) {
            heads.push(identity);
        }
        heads.push(DELIM);
        const bodies = [];
        bodies.push(JSON.stringify(this.header));
        bodies.push(JSON.stringify(this.parent));
        bodies.push(JSON.stringify(this.metadata));
        bodies.push(JSON.stringify(this.content));
        for (const e of this.extra) {
            bodies.push(JSON.stringify(e));
        }
        const hash = (0, crypto_1.createHmac)("sha256", key);
        for (const b of bodies) {
            hash.update(b);
        }
        heads.push(hash.digest("hex"));
        sock.send(heads.concat(bodies));
    }
}
class ExecutionCount {
    constructor(count, error) {
        this.count = count;
        this.error = error;
    }
}
/** structprune-ts fork: the kernel's identity in kernel_info and the key of its display hook. */
const IMPLEMENTATION = "structprune-ts";
const KERNEL_HOOK = Symbol.for("structprune.kernel");
const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");
class JupyterHandlerImpl {
    constructor(executor, isJs) {
        this.execCount = 0;
        this.executor = executor;
        this.execQueue = new util_2.TaskQueue();
        this.isJs = isJs;
        /** structprune-ts fork: this session's history, `{ line, input, output }` (tslab kept none). */
        this.history = [];
        /** Display hook state shared with the library (src/plot/display.ts): e.g. "plotly" once loaded. */
        this.loaded = new Set();
    }
    handleKernel() {
        const ts = require("typescript");
        let lang = "typescript";
        let version = ts.version;
        let implementation = IMPLEMENTATION;
        let file_extension = ".ts";
        let banner = `StructPrune-TS kernel: TypeScript ${ts.version} (project tsconfig), Node ${process.version}; tslab-derived`;
        let mimetype = "text/typescript";
        if (this.isJs) {
            lang = "javascript";
            version = "";
            implementation = "jslab";
            file_extension = ".js";
            banner = "JavaScript";
            mimetype = "text/javascript";
        }
        const reply = {
            status: "ok",
            protocol_version: "5.3",
            implementation,
            implementation_version: "1.0.22-structprune.1",
            language_info: {
                name: lang,
                version,
                mimetype,
                file_extension,
                pygments_lexer: lang,
            },
            banner,
            help_links: [],
        };
        if (!this.isJs) {
            // This fix https://github.com/yunabe/tslab/issues/18 in both Jupyter notebook and JupyterLab magically.
            reply.language_info.codemirror_mode = {
                mode: "typescript",
                name: "javascript",
                typescript: true,
            };
        }
        return reply;
    }
    /**
     * Run an execute_request. `io` publishes on IOPub: `stream(name, text)`, `displayData(content, update)`,
     * `publish(msgType, content)`. Resolves to the execute_reply content.
     */
    async handleExecute(req, io) {
        let status = "ok";
        let count = null;
        let error = null;
        try {
            count = await this.execQueue.add(() => this.handleExecuteImpl(req, io));
        }
        catch (e) {
            if (e instanceof ExecutionCount) {
                status = "error";
                count = e;
                error = e.error;
            }
            else if (e instanceof util_2.TaskCanceledError) {
                status = "aborted";
            }
            else {
                status = "error";
                error = { ename: "KernelError", evalue: String(e && e.message || e), traceback: [String(e && e.stack || e)] };
                console.error("unexpected error:", e);
            }
            if (status === "error") {
                // The cells already queued (a "run all") were chained to this one and are aborted; accept new ones
                // now. tslab 1.0.22 waited 200 ms (https://github.com/yunabe/tslab/issues/19), which also aborted a
                // client's next request sent right after this reply (nbclient with allow_errors, jupyter console).
                this.execQueue.reset();
            }
        }
        if (count && count.error && status === "ok") {
            // stop_on_error: false — the error did not cancel the queue.
            status = "error";
            error = count.error;
        }
        const reply = { status, execution_count: count ? count.count : this.execCount };
        if (status === "ok") {
            reply.user_expressions = {};
            reply.payload = [];
        }
        if (error) {
            Object.assign(reply, error);
        }
        return reply;
    }
    /**
     * The body of handleExecute: publishes execute_input, runs the cell, then its execute_result or error.
     * When the execution failed, this method throws ExecutionCount (with the error) to cancel pending tasks.
     */
    async handleExecuteImpl(req, io) {
        // Python kernel forward outputs to the cell even after the execution is finished.
        // We follow the same convension here.
        process.stdout.write = this.createWriteToIopub("stdout", io.stream);
        process.stderr.write = this.createWriteToIopub("stderr", io.stream);
        exports.lastWriteDisplayData = io.displayData;
        this.installHook(io);
        const silent = !!req.silent;
        const storeHistory = req.store_history === undefined ? !silent : !!req.store_history && !silent;
        const count = new ExecutionCount(storeHistory ? ++this.execCount : this.execCount);
        const entry = { line: count.count, input: req.code, output: null };
        if (storeHistory) {
            this.history.push(entry);
        }
        if (!silent) {
            io.publish("execute_input", { code: req.code, execution_count: count.count });
        }
        const result = await this.executor.execute(req.code);
        if (!result.ok) {
            if (!silent) {
                io.publish("error", result.error);
            }
            count.error = result.error;
            if (req.stop_on_error === false) {
                return count;
            }
            throw count;
        }
        if (result.hasValue && !silent) {
            const bundles = this.formatValue(result.value);
            for (const b of bundles.slice(0, -1)) {
                io.displayData({ data: b.data, metadata: b.metadata || {}, transient: {} }, false);
            }
            const last = bundles[bundles.length - 1];
            io.publish("execute_result", { execution_count: count.count, data: last.data, metadata: last.metadata || {} });
            entry.output = typeof last.data["text/plain"] === "string" ? last.data["text/plain"] : null;
        }
        return count;
    }
    /**
     * The display hook the library finds at globalThis[Symbol.for("structprune.kernel")] (src/plot/display.ts):
     * display(bundle) sends display_data to the running cell, clearOutput(wait) a clear_output message.
     */
    installHook(io) {
        const loaded = this.loaded;
        globalThis[KERNEL_HOOK] = {
            name: IMPLEMENTATION,
            loaded,
            display(content, update = false) {
                io.displayData({ data: content.data, metadata: content.metadata || {}, transient: content.transient || {} }, update);
            },
            clearOutput(wait = false) {
                io.publish("clear_output", { wait: !!wait });
            },
        };
    }
    /**
     * MIME bundles for a cell's last value: the library's (src/plot/display.ts `kernelBundles`, which knows
     * plot specs, ADMM states, reports, tables) when it is there, else the value's
     * [Symbol.for("Jupyter.display")]() bundle, else util.inspect text. The last bundle is the execute_result;
     * those before it (e.g. the plotly.js loader, once) go out as display_data.
     */
    formatValue(value) {
        const lib = loadLibraryDisplay();
        if (lib && typeof lib.kernelBundles === "function") {
            try {
                const out = lib.kernelBundles(value);
                if (Array.isArray(out) && out.length > 0) {
                    return out;
                }
            }
            catch (e) {
                console.error("[display failed, shown as text: " + (e && e.message) + "]");
            }
        }
        if (value !== null && (typeof value === "object" || typeof value === "function") && typeof value[JUPYTER_DISPLAY] === "function") {
            try {
                const data = value[JUPYTER_DISPLAY]();
                if (data && typeof data === "object") {
                    return [{ data: "text/plain" in data ? data : Object.assign({ "text/plain": (0, util_1.inspect)(value) }, data) }];
                }
            }
            catch (e) {
                console.error("[Symbol.for('Jupyter.display') failed: " + (e && e.message) + "]");
            }
        }
        return [{ data: { "text/plain": (0, util_1.inspect)(value) } }];
    }
    /** history_request: tail / range / search over this session (session number 1). */
    handleHistory(req) {
        const session = 1;
        let items = this.history;
        const type = req.hist_access_type;
        if (type === "tail") {
            items = req.n ? items.slice(-req.n) : items.slice();
        }
        else if (type === "range") {
            if (req.session !== undefined && req.session > 0 && req.session !== session) {
                items = [];
            }
            else {
                const start = req.start || 0;
                const stop = req.stop == null ? Infinity : req.stop;
                items = items.filter((h) => h.line >= start && h.line < stop);
            }
        }
        else if (type === "search") {
            const glob = String(req.pattern || "*");
            const re = new RegExp("^" + glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]") + "$");
            items = items.filter((h) => re.test(h.input));
            if (req.unique) {
                const seen = new Set();
                const uniq = [];
                for (let i = items.length - 1; i >= 0; i--) {
                    if (!seen.has(items[i].input)) {
                        seen.add(items[i].input);
                        uniq.unshift(items[i]);
                    }
                }
                items = uniq;
            }
            if (req.n) {
                items = items.slice(-req.n);
            }
        }
        else {
            return { status: "error", ename: "ValueError", evalue: `unknown hist_access_type ${JSON.stringify(type)}`, traceback: [], history: [] };
        }
        return {
            status: "ok",
            history: items.map((h) => (req.output ? [session, h.line, [h.input, h.output]] : [session, h.line, h.input])),
        };
    }
    createWriteToIopub(name, writeStream) {
        return (buffer, encoding) => {
            let text;
            if (typeof buffer === "string") {
                text = buffer;
            }
            else {
                text = utf8Decoder.decode(buffer);
            }
            writeStream(name, text);
            return true;
        };
    }
    handleIsComplete(req) {
        const res = (0, converter_1.isCompleteCode)(req.code);
        if (res.completed) {
            return {
                status: "complete",
            };
        }
        return {
            indent: res.indent,
            status: "incomplete",
        };
    }
    handleInspect(req) {
        const info = this.executor.inspect(req.code, req.cursor_pos);
        if (!info) {
            return {
                status: "ok",
                found: false,
                data: {},
                metadata: {},
            };
        }
        let text = (0, inspect_1.printQuickInfo)(info);
        return {
            status: "ok",
            found: true,
            data: {
                // text/plain must be filled even if "text/html" is provided.
                // TODO: Fill text/html too if necessary.
                "text/plain": text,
            },
            metadata: {},
        };
    }
    handleComplete(req) {
        const info = this.executor.complete(req.code, req.cursor_pos);
        return {
            cursor_start: info.start,
            cursor_end: info.end,
            matches: info.candidates,
            metadata: {},
            status: "ok",
        };
    }
    handleShutdown(req) {
        return {
            status: "ok",
            restart: !!(req && req.restart),
        };
    }
    close() {
        this.executor.close();
    }
}
exports.JupyterHandlerImpl = JupyterHandlerImpl;
/** structprune-ts fork: how long requests wait, once, for a client's IOPub subscription (see ZmqServer.init). */
const IOPUB_WAIT_MS = 2000;
class ZmqServer {
    constructor(handler, configPath) {
        this.handler = handler;
        this.configPath = configPath;
    }
    async bindSocket(sock, port) {
        const conn = this.connInfo;
        const addr = `${conn.transport}://${conn.ip}:${port}`;
        await sock.bind(addr);
    }
    publishStatus(status, parent) {
        const reply = parent.createReply();
        reply.content = {
            execution_state: status,
        };
        reply.header.msg_type = "status";
        reply.signAndSend(this.connInfo.key, this.iopub);
    }
    async handleShellMessage(sock, ...args) {
        const msg = ZmqMessage.fromRaw(this.connInfo.key, args);
        if (!this.iopubGateOpen) {
            // structprune-ts fork: see init(); requests that arrived meanwhile resume in their order.
            await this.iopubGate();
        }
        let terminated = false;
        this.publishStatus("busy", msg);
        try {
            switch (msg.header.msg_type) {
                case "kernel_info_request":
                    this.handleKernelInfo(sock, msg);
                    break;
                case "execute_request":
                    await this.handleExecute(sock, msg);
                    break;
                case "is_complete_request":
                    this.handleIsComplete(sock, msg);
                    break;
                case "inspect_request":
                    this.handleInspect(sock, msg);
                    break;
                case "complete_request":
                    this.handleComplete(sock, msg);
                    break;
                case "history_request":
                    this.reply(sock, msg, "history_reply", this.handler.handleHistory(msg.content));
                    break;
                case "interrupt_request":
                    // structprune-ts fork: also on the control channel (kernel.json asks for signals, as tslab).
                    this.handler.executor.interrupt();
                    this.reply(sock, msg, "interrupt_reply", { status: "ok" });
                    break;
                case "comm_info_request":
                    // This is sent for ipywidgets with content = { target_name: 'jupyter.widget' }.
                    this.handleCommInfoRequest(sock, msg);
                    break;
                case "shutdown_request":
                    this.handleShutdown(sock, msg);
                    terminated = true;
                    break;
                default:
                    console.warn(`unknown msg_type: ${msg.header.msg_type}`);
            }
        }
        finally {
            this.publishStatus("idle", msg);
        }
        if (terminated) {
            // structprune-ts fork: close, then exit (tfjs' wasm backend and timers would keep the process alive).
            this.close();
            setTimeout(() => process.exit(0), 100);
        }
    }
    /**
     * structprune-ts fork: resolves once a client has subscribed to IOPub, or IOPUB_WAIT_MS after the first
     * request (a client without IOPub still gets replies); then the gate stays open.
     */
    iopubGate() {
        if (!this.iopubGatePromise) {
            let timer;
            this.iopubGatePromise = Promise.race([
                this.firstSubscription,
                new Promise((resolve) => {
                    timer = setTimeout(resolve, IOPUB_WAIT_MS);
                    timer.unref();
                }),
            ]).then(() => {
                clearTimeout(timer);
                this.iopubGateOpen = true;
            });
        }
        return this.iopubGatePromise;
    }
    reply(sock, msg, msgType, content) {
        const reply = msg.createReply();
        reply.header.msg_type = msgType;
        reply.content = content;
        reply.signAndSend(this.connInfo.key, sock);
    }
    handleKernelInfo(sock, msg) {
        const reply = msg.createReply();
        reply.header.msg_type = "kernel_info_reply";
        reply.content = this.handler.handleKernel();
        reply.signAndSend(this.connInfo.key, sock);
    }
    async handleExecute(sock, msg) {
        const reply = msg.createReply();
        reply.header.msg_type = "execute_reply";
        const writeStream = (name, text) => {
            const reply = msg.createReply();
            reply.header.msg_type = "stream";
            reply.content = {
                name,
                text,
            };
            reply.signAndSend(this.connInfo.key, this.iopub);
        };
        const writeDisplayData = (data, update) => {
            const reply = msg.createReply();
            reply.header.msg_type = update ? "update_display_data" : "display_data";
            reply.content = data;
            reply.signAndSend(this.connInfo.key, this.iopub);
        };
        const publish = (msgType, content) => {
            const reply = msg.createReply();
            reply.header.msg_type = msgType;
            reply.content = content;
            reply.signAndSend(this.connInfo.key, this.iopub);
        };
        const content = await this.handler.handleExecute(msg.content, { stream: writeStream, displayData: writeDisplayData, publish });
        reply.content = content;
        reply.signAndSend(this.connInfo.key, sock);
    }
    handleIsComplete(sock, msg) {
        const reply = msg.createReply();
        reply.header.msg_type = "is_complete_reply";
        reply.content = this.handler.handleIsComplete(msg.content);
        reply.signAndSend(this.connInfo.key, sock);
    }
    handleInspect(sock, msg) {
        const reply = msg.createReply();
        reply.header.msg_type = "inspect_reply";
        reply.content = this.handler.handleInspect(msg.content);
        reply.signAndSend(this.connInfo.key, sock);
    }
    handleComplete(sock, msg) {
        const reply = msg.createReply();
        reply.header.msg_type = "complete_reply";
        reply.content = this.handler.handleComplete(msg.content);
        reply.signAndSend(this.connInfo.key, sock);
    }
    handleCommInfoRequest(sock, msg) {
        const reply = msg.createReply();
        reply.header.msg_type = "comm_info_reply";
        // comm is not supported in tslab now. Returns an empty comms.
        reply.content = { status: "ok", comms: {} };
        reply.signAndSend(this.connInfo.key, sock);
    }
    handleShutdown(sock, msg) {
        const reply = msg.createReply();
        reply.header.msg_type = "shutdown_reply";
        reply.content = this.handler.handleShutdown(msg.content);
        reply.signAndSend(this.connInfo.key, sock);
    }
    async init() {
        const cinfo = JSON.parse(fs_1.default.readFileSync(this.configPath, "utf-8"));
        this.connInfo = cinfo;
        // https://zeromq.github.io/zeromq.js/index.html
        // zeromq runtime must be delay loaded so that mutiple instances of
        // this module can be loaded (e.g. global and local ones).
        const zmq = await Promise.resolve().then(() => __importStar(require("zeromq")));
        // structprune-ts fork: IOPub is an XPUB socket, so the kernel sees a client's subscription arrive. A PUB
        // socket drops what it publishes before the subscription has reached it, and ZeroMQ's reconnect timer
        // can connect a client's IOPub ~100 ms after its shell: `jupyter console` (which, unlike
        // wait_for_ready, does not check IOPub) then lost the busy/idle of its first cell and waited forever.
        // Shell and control requests wait for the first subscription (at most IOPUB_WAIT_MS after the first
        // request, once).
        this.iopub = new zmq.XPublisher();
        let subscribed;
        this.firstSubscription = new Promise((resolve) => {
            subscribed = resolve;
        });
        (async () => {
            try {
                for await (const [frame] of this.iopub) {
                    if (frame && frame.length > 0 && frame[0] === 1) {
                        subscribed();
                    }
                }
            }
            catch (_) {
                // the socket was closed
            }
        })();
        this.shell = new zmq.Router();
        this.control = new zmq.Router();
        this.stdin = new zmq.Router();
        this.hb = new zmq.Reply();
        (async () => {
            var _a, e_1, _b, _c;
            try {
                // These for-loops exist when sockets are closed.
                for (var _d = true, _e = __asyncValues(this.shell), _f; _f = await _e.next(), _a = _f.done, !_a;) {
                    _c = _f.value;
                    _d = false;
                    try {
                        const msgs = _c;
                        this.handleShellMessage(this.shell, ...msgs);
                    }
                    finally {
                        _d = true;
                    }
                }
            }
            catch (e_1_1) { e_1 = { error: e_1_1 }; }
            finally {
                try {
                    if (!_d && !_a && (_b = _e.return)) await _b.call(_e);
                }
                finally { if (e_1) throw e_1.error; }
            }
        })();
        (async () => {
            var _a, e_2, _b, _c;
            try {
                for (var _d = true, _e = __asyncValues(this.control), _f; _f = await _e.next(), _a = _f.done, !_a;) {
                    _c = _f.value;
                    _d = false;
                    try {
                        const msgs = _c;
                        this.handleShellMessage(this.control, ...msgs);
                    }
                    finally {
                        _d = true;
                    }
                }
            }
            catch (e_2_1) { e_2 = { error: e_2_1 }; }
            finally {
                try {
                    if (!_d && !_a && (_b = _e.return)) await _b.call(_e);
                }
                finally { if (e_2) throw e_2.error; }
            }
        })();
        (async () => {
            var _a, e_3, _b, _c;
            try {
                for (var _d = true, _e = __asyncValues(this.hb), _f; _f = await _e.next(), _a = _f.done, !_a;) {
                    _c = _f.value;
                    _d = false;
                    try {
                        const msgs = _c;
                        // hb is only used by `jupyter console`.
                        // TODO: Test this behavior by integration tests.
                        this.hb.send(msgs);
                    }
                    finally {
                        _d = true;
                    }
                }
            }
            catch (e_3_1) { e_3 = { error: e_3_1 }; }
            finally {
                try {
                    if (!_d && !_a && (_b = _e.return)) await _b.call(_e);
                }
                finally { if (e_3) throw e_3.error; }
            }
        })();
        await Promise.all([
            this.bindSocket(this.iopub, cinfo.iopub_port),
            this.bindSocket(this.shell, cinfo.shell_port),
            this.bindSocket(this.control, cinfo.control_port),
            this.bindSocket(this.stdin, cinfo.stdin_port),
            this.bindSocket(this.hb, cinfo.hb_port),
        ]);
    }
    /** Release internal resources to terminate the process gracefully. */
    close() {
        // First internal resources (e.g. ts watcher in converter).
        this.handler.close();
        // Then, close sockets.
        this.iopub.close();
        this.shell.close();
        this.control.close();
        this.stdin.close();
        this.hb.close();
    }
}
exports.ZmqServer = ZmqServer;

"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.startKernel = void 0;
const fs_1 = __importDefault(require("fs"));
const path_1 = __importDefault(require("path"));
const converter_1 = require("./converter");
const util_1 = require("./util");
const executor_1 = require("./executor");
const jupyter_1 = require("./jupyter");
class ConverterSetImpl {
    constructor(jsKernel) {
        this.jsKernel = jsKernel;
    }
    get node() {
        if (!this._node) {
            this._node = (0, converter_1.createConverter)({ isJS: this.jsKernel, isBrowser: false });
        }
        return this._node;
    }
    get browser() {
        if (!this._browser) {
            this._browser = (0, converter_1.createConverter)({ isJS: this.jsKernel, isBrowser: true });
        }
        return this._browser;
    }
    close() {
        if (this._node) {
            this._node.close();
        }
        if (this._browser) {
            this._browser.close();
        }
    }
}
/**
 * Start the Jupyter kernel.
 *
 * This method can be imported from the globally-installed tslab (https://github.com/yunabe/tslab/issues/4),
 * whose version can be differnt from locally-installed tslab.
 * Thus, we should not rename, move or change the interface of startKernel for backward compatibiliy.
 */
function startKernel({ configPath = "", enableFindLocal = true, jsKernel = false, globalVersion = "", }) {
    const convs = new ConverterSetImpl(jsKernel);
    convs.node; // Warm the converter for Node.js
    const executor = (0, executor_1.createExecutor)(process.cwd(), convs, {
        log: console.log,
        error: console.error,
    });
    const server = new jupyter_1.ZmqServer(new jupyter_1.JupyterHandlerImpl(executor, jsKernel), configPath);
    process.on("SIGINT", () => {
        executor.interrupt();
    });
    // TODO: Test these handlers.
    process.on("uncaughtException", (err) => {
        console.error("UncaughtException:", err);
    });
    process.on("unhandledRejection", (reason) => {
        console.error("UnhandledPromiseRejection:", reason);
    });
    server.init();
}
exports.startKernel = startKernel;


// The public surface of StructPrune-TS: everything a notebook, the REPL or another program uses.
export { tf, initBackend, backendInfo, BackendInfo, BackendName } from './backend';
export { setBlas, blasInfo, BlasInfo, BlasMode, BlasOptions } from './linalg/blas';
export { setAttention, attentionInfo, fusedCausalAttention, AttentionInfo, AttentionMode, AttentionOptions } from './model/attentionFused';
export { ModelFormatError, UsageError } from './errors';

// Models
export { ModelConfig, LayerShape, layerShape, validateConfig } from './model/config';
export { HostTensor, HostWeights, countParams } from './model/hostTensor';
export { Model, describeModel } from './model/model';
export { loadModel, DEFAULT_MODEL, LoadModelOptions } from './model/load';
export { LoadedModel, TextCodec, TokenizerSource } from './model/codec';
export { loadLlama2c, parseLlama2c } from './model/llama2c';
export { loadTokenizer, encode, decode, Tokenizer } from './model/tokenizer';
export { toDevice, DeviceModel } from './model/device';
export { forward, ForwardOptions } from './model/forward';
export { generate, GenerateOptions } from './model/generate';
export { loadHfModel, saveHfModel } from './model/hf';
export { hfConfigToModelConfig, modelConfigToHfConfig } from './model/hfConfig';
export { loadHfTokenizer } from './model/hfTokenizer';
export { fixtureModel, writeFixture } from './model/fixture';
export { NonFiniteError, locateNonFinite, MAX_ABS_WEIGHT } from './model/finite';

// Data
export { resolveDataDir, locateDataDir, dataFile, DataFileError } from './data/datadir';
export { fetchData } from './data/fetch';
export { corpusText, CORPUS_NAMES, CorpusName } from './data/corpora';
export { sampleCalibration } from './data/calibration';
export { createRng, Rng } from './util/rng';

// Evaluation
export { perplexity, PerplexityResult } from './eval/perplexity';
export { evaluate } from './eval/evaluate';
export { corpusIds } from './data/corpusIds';
export { readTextFile, NamedText } from './data/textFile';

// Pruning
export { COUPLING, moduleSpecs, ModuleSpec, prunableParams, totalUnitCost } from './prune/coupling';
export { collectStats, CalibrationStats, ModuleGram } from './prune/stats';
export { buildProblems, unitEnergies, ModuleProblem, ModuleWeighting, MODULE_WEIGHTINGS } from './prune/moduleProblems';
export { blockwiseOutputGradients, wholeModelOutputGradients, OutputGradients, OutputGradientOptions } from './prune/blockBackward';
export { outputWeights, predictedLossIncrease } from './prune/lossAware';
export { fisherImportance, globalFisherMask, FisherImportance } from './prune/globalFisher';
export { selectTemperature, meanWindowLoss, DEFAULT_TEMPERATURE_GRID, TemperatureSearch, TemperatureSearchOptions } from './prune/temperature';
export { kindEnergies, owlCounts, probeEnergies, AllocationVariant, ALLOCATION_VARIANTS } from './prune/allocationVariants';
export { compensate, CompensationInput, CompensationOptions } from './prune/compensate';
export { sliceModel, zeroUnits, RemovedMask } from './prune/slice';
export { localMask, globalThresholdMask } from './prune/baselines';
export { finalizePruning } from './prune/finalize';
export { calibrationWindows, CalibrationSpec, CALIBRATION_DEFAULTS } from './data/calibrationWindows';
export { PRUNE_DEFAULTS } from './prune/defaults';
export { prune, PruneOptions, PruneReport, PruneResult, PRUNE_METHODS, PruneMethod, STRUCTPRUNE_DEFAULTS } from './prune/prune';
export { heldOutWindows, heldOutFromIds, HELD_OUT_SAMPLES, HELD_OUT_SEED_OFFSET } from './data/heldOutWindows';
export { moduleEnergies } from './prune/moduleEnergies';
export { energies, EnergyTable } from './prune/energyTable';
export { allocate, Allocation, AllocationKind } from './prune/allocation';
export { thresholdProjection, topKProjection } from './prune/projection';

// StructPrune ADMM, step by step
export { buildAdmmProblem, allocationCounts, AdmmProblem, AdmmOptions, ADMM_DEFAULTS } from './prune/admm/problem';
export { init as admmInit, step as admmStep, pStep, projectZ, AdmmState, AdmmReport } from './prune/admm/step';
export { iterate, runAdmm, inspectMask, MaskView } from './prune/admm/run';

// Saving
export { savePruned, loadPruned, SavePrunedOptions } from './model/pruned';
export { checkOutputFile, checkOutputDir, OutputPathError, OutputPolicyOptions } from './io/outputPath';
export { acquireOutputLock, writeDirAtomic, OutputLock } from './io/atomicDir';
export { readSafetensors, openSafetensors } from './io/safetensorsReader';
export { writeSafetensors } from './io/safetensorsWriter';

// GGUF export for llama.cpp, and llama.cpp itself (child process) for checks, perplexity and speed
export { exportGguf, ggufContents, GgufExportOptions, GgufExportResult } from './gguf/export';
export { planGguf, GgufPlan, GgufLayerPlan, GgufExportError } from './gguf/plan';
export { readGguf, writeGguf, GgufContents, GgufTensor, GgufValue } from './gguf/format';
export { checkGguf, GgufCheckResult } from './gguf/check';
export { evaluateGguf, llamaCppPerplexity, ggufCodec } from './gguf/evaluate';
export { llamaCppLogits, llamaCppGenerate, llamaCppBench, llamaCppTokenize, llamaCppAvailable, LlamaCppOptions } from './gguf/llamaCpp';

// Experiments
export { sweep, SweepRow, SweepMethod } from './experiments/sweep';
export { runBench, BenchRecord, BenchOptions, BenchName, BENCH_NAMES } from './experiments/bench';

// Memory: the meter, the `global` reference method, the scaling experiment and the analytic model
export { measureMemory, measureMemorySync, startMemoryMeter, MemoryMeter, MemoryUsage, wasmHeapBytes, maxRssBytes } from './util/memoryMeter';
export { globalMask, taylorImportance, TaylorImportance, GlobalOptions } from './prune/global';
export { familyMembers, familyModel, familyConfig, FamilyMember, FamilyName, FAMILY_NAMES } from './experiments/family';
export { memoryExperiment, runMemoryPoint, MemoryExperimentOptions, MemoryExperimentResult, MemoryPoint } from './experiments/memoryScaling';
export { powerLawFit, PowerFit, logspace } from './util/numeric';
export { predictPeak, memoryTable, configParams, REAL_CONFIGS, MemoryPrediction, MemoryTableRow, CalibrationSize } from './experiments/memoryModel';

// Plots: pure functions returning plotly specs, and the two adapters (notebook display, standalone HTML)
export { PlotSpec, PlotOptions, expectedMarks } from './plot/spec';
export { admmTracePlot } from './plot/admmTrace';
export { moduleSparsityPlot } from './plot/sparsityBars';
export { maskPlot, sortedMask } from './plot/maskView';
export { allocationCurves, allocationTemperaturePlot } from './plot/allocationPlot';
export { moduleEnergyPlot } from './plot/energyPlot';
export { perplexityPlot } from './plot/perplexityPlot';
export { memoryScalingPlot } from './plot/memoryPlot';
export { show, initPlotly } from './plot/notebook';
export { display, clearOutput, toMimeBundle, JUPYTER_DISPLAY, MimeBundle } from './plot/display';
export { writeHtmlReport, writeHtmlPage } from './plot/html';

// The teaching page (`structprune web`): its static server
export { startWebServer, WebServer, WebServerOptions } from './web/server';

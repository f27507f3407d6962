#!/usr/bin/env node
// ort_run.js — runs one ONNX model with ONNX Runtime (onnxruntime-node, CPU
// execution provider), the reference tvmc's whole-model tests compare with.
//
//   node ort_run.js MODEL.onnx INPUT.npy [--out OUT.npy] [--threads N]
//                   [--runs R] [--warmup W] [--max-seconds S]
//
// Same interface and JSON line as tvmc_run (see tvmc_run.c): load_ms (the
// session's creation: parse, graph optimisation, kernel selection),
// first_call_ms, median_ms / min_ms of R timed runs after W warm-ups,
// cpu_ms (median process CPU time of a run: process.cpuUsage()),
// rss_base_kb (RSS once the runtime is loaded, before the model) and
// peak_rss_kb (the process's peak, resourceUsage().maxRSS). --threads sets
// intraOpNumThreads (0 = ORT's default); inter-op parallelism stays off, as
// tvmc runs one kernel at a time.
'use strict';
const fs = require('fs');
const path = require('path');

function usage() {
  process.stderr.write('usage: node ort_run.js MODEL.onnx INPUT.npy [--out OUT.npy] ' +
                       '[--threads N] [--runs R] [--warmup W]\n');
  process.exit(2);
}

// The float32, C-order subset of numpy's .npy format.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY')
    throw new Error(`${file}: not a .npy file`);
  const v1 = buf[6] === 1;
  const hlen = v1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = v1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  if (!/'descr':\s*'<f4'/.test(header) || !/'fortran_order':\s*False/.test(header))
    throw new Error(`${file}: expected a float32, C-order array`);
  const m = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!m) throw new Error(`${file}: no shape in the header`);
  const shape = m[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = start + hlen;
  if (buf.length < off + 4 * count) throw new Error(`${file}: data shorter than its shape`);
  // Copied so the array is 4-byte aligned whatever the header length.
  const data = new Float32Array(count);
  Buffer.from(data.buffer).set(buf.subarray(off, off + 4 * count));
  return { shape, data };
}

function writeNpy(file, shape, data) {
  const dims = shape.map(d => `${d},`).join(' ');
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(dict.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(dict, 'latin1'), body]));
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

async function main() {
  const args = process.argv.slice(2);
  let modelPath, inputPath, outPath;
  let threads = 0, runs = 20, warmup = 3, maxMs = Infinity;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--out' && i + 1 < args.length) outPath = args[++i];
    else if (a === '--threads' && i + 1 < args.length) threads = Number(args[++i]);
    else if (a === '--runs' && i + 1 < args.length) runs = Number(args[++i]);
    else if (a === '--warmup' && i + 1 < args.length) warmup = Number(args[++i]);
    else if (a === '--max-seconds' && i + 1 < args.length) maxMs = Number(args[++i]) * 1e3;
    else if (a.startsWith('-')) usage();
    else if (!modelPath) modelPath = a;
    else if (!inputPath) inputPath = a;
    else usage();
  }
  if (!modelPath || !inputPath || !(runs >= 1) || !(warmup >= 0) || !(threads >= 0)) usage();

  // Resolved from this folder's node_modules (npm install next to this file).
  const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
  const input = readNpy(inputPath);
  const rssBase = process.resourceUsage().maxRSS;

  const options = { executionMode: 'sequential', interOpNumThreads: 1,
                    graphOptimizationLevel: 'all' };
  if (threads > 0) options.intraOpNumThreads = threads;
  let t = performance.now();
  const session = await ort.InferenceSession.create(modelPath, options);
  const loadMs = performance.now() - t;
  if (session.inputNames.length !== 1 || session.outputNames.length !== 1)
    throw new Error(`${modelPath}: expected one input and one output`);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input.data, input.shape) };

  t = performance.now();
  const first = await session.run(feeds);
  const firstMs = performance.now() - t;
  const out = first[session.outputNames[0]];
  if (outPath) writeNpy(outPath, out.dims, out.data);

  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times = [], cpu = [];
  let spent = 0;
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    const c = process.cpuUsage();
    await session.run(feeds);
    times.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e3);
    spent += times[i];
    if (spent > maxMs && times.length >= 3) break;
  }
  const r = {
    threads, load_ms: +loadMs.toFixed(2), first_call_ms: +firstMs.toFixed(3),
    median_ms: +median(times).toFixed(3), min_ms: +Math.min(...times).toFixed(3),
    cpu_ms: +median(cpu).toFixed(3),
    runs: times.length,
    rss_base_kb: rssBase, peak_rss_kb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(JSON.stringify(r) + '\n');
}

main().catch(e => {
  process.stderr.write(`ort_run: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});

#!/usr/bin/python3
"""Whole-model checks and benchmark: tvmc against ONNX Runtime.

    models.py test  --tvmc-run EXE --work DIR [MODEL ...]
    models.py bench --tvmc-run EXE --work DIR [--runs R] [--repeat N] [MODEL ...]

MODEL is resnet18, mobilenet_v2, bert_layer or bert_layer_opset17 (default:
all four for `test`, the first three for `bench`). Both
commands first make what they need, each step skipped when already done:
the ONNX files and inputs (export.py, into DIR) and ONNX Runtime
(`npm ci` of the pinned onnxruntime-node in this folder, see package.json).

`test` runs each model once in tvmc (tvmc_run, built by meson) and once in
ONNX Runtime (ort_run.js) on the same input and fails unless every output
element satisfies |tvmc - ort| <= 1e-4 + 1e-4 * |ort|. It exits 77 (meson's
"skipped") only when npm cannot reach its registry to install ONNX Runtime.

`bench` measures both at 1 and 2 intra-op threads, each configuration in a
fresh process, --repeat times interleaved, and prints a Markdown table:
latency medians, their ratio, compile / session creation time and peak
memory (process peak RSS above its RSS before the model was loaded).
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["resnet18", "mobilenet_v2", "bert_layer"]
# Also checked by `test` (not benchmarked: it is bert_layer again, with
# LayerNormalization nodes instead of their opset-13 decomposition).
TEST_ONLY = ["bert_layer_opset17"]
RTOL = ATOL = 1e-4
SKIP = 77

# Messages npm prints when the registry is out of reach (DNS, refused or
# timed-out connections, a proxy answering instead of the registry).
OFFLINE = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|"
                     r"ENETUNREACH|EHOSTUNREACH|network|proxy", re.I)


class Skip(Exception):
    pass


def ensure_ort():
    """Installs the pinned onnxruntime-node next to this file unless the
    installed one is already that version. The .npmrc here keeps its
    install script from downloading CUDA libraries."""
    pinned = json.load(open(os.path.join(HERE, "package.json")))["dependencies"][
        "onnxruntime-node"]
    installed = os.path.join(HERE, "node_modules", "onnxruntime-node", "package.json")
    if os.path.exists(installed) and json.load(open(installed))["version"] == pinned:
        return
    for tool in ("node", "npm"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"],
                          stdout=subprocess.DEVNULL).returncode != 0:
            raise SystemExit(f"models.py: {tool} is not installed "
                             "(scripts/setup-debian.sh installs it)")
    print(f"models.py: installing onnxruntime-node {pinned} with npm ci in {HERE}",
          flush=True)
    # --ignore-scripts as well as the .npmrc setting: the package's only
    # install script fetches GPU libraries, and npm 11 warns that it will
    # stop passing unknown .npmrc keys to scripts. The CPU runtime is in
    # the package itself.
    r = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        if OFFLINE.search(r.stdout):
            raise Skip("npm cannot reach its registry to install onnxruntime-node:\n" +
                       r.stdout[-2000:])
        raise SystemExit("models.py: npm ci failed:\n" + r.stdout)


def ensure_models(work, names):
    missing = [n for n in names
               if not (os.path.exists(os.path.join(work, n + ".onnx")) and
                       os.path.exists(os.path.join(work, n + ".input.npy")))]
    if not missing:
        return
    try:
        import torch  # noqa: F401  (only to give a clear message)
        import torchvision  # noqa: F401
    except ImportError as e:
        raise SystemExit(f"models.py: {e}; install python3-torch and python3-torchvision "
                         "(scripts/setup-debian.sh)")
    subprocess.run([sys.executable, os.path.join(HERE, "export.py"), work] + missing,
                   check=True)


def run_json(cmd):
    """Runs a runner and returns its JSON line; a failure stops the driver
    with the runner's own message."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit(f"models.py: {' '.join(cmd)} failed (exit {r.returncode}):\n"
                         f"{r.stderr.strip()}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def runners(args, name, threads, runs, warmup, out_dir=None):
    model = os.path.join(args.work, name + ".onnx")
    inp = os.path.join(args.work, name + ".input.npy")
    common = [model, inp, "--threads", str(threads), "--runs", str(runs),
              "--warmup", str(warmup)]
    tv, ort = [args.tvmc_run] + common, ["node", os.path.join(HERE, "ort_run.js")] + common
    if out_dir:
        tv += ["--out", os.path.join(out_dir, name + ".tvmc.npy")]
        ort += ["--out", os.path.join(out_dir, name + ".ort.npy")]
    return tv, ort


def cmd_test(args):
    failed = []
    for name in args.models:
        tv, ort = runners(args, name, 1, 1, 0, out_dir=args.work)
        t = run_json(tv)
        o = run_json(ort)
        got = np.load(os.path.join(args.work, name + ".tvmc.npy"))
        ref = np.load(os.path.join(args.work, name + ".ort.npy"))
        if got.shape != ref.shape:
            print(f"FAIL {name}: tvmc output shape {got.shape}, ONNX Runtime {ref.shape}")
            failed.append(name)
            continue
        err = np.abs(got.astype(np.float64) - ref)
        bad = ~(err <= ATOL + RTOL * np.abs(ref))  # NaN anywhere counts as bad
        worst = float(np.nanmax(err)) if err.size else 0.0
        status = "ok  " if not bad.any() else "FAIL"
        print(f"{status} {name}: output {tuple(ref.shape)}, max |tvmc - ort| {worst:.3g} "
              f"(|ort| up to {float(np.abs(ref).max()):.3g}), {int(bad.sum())} elements "
              f"outside rtol {RTOL:g} / atol {ATOL:g}; tvmc import {t['import_ms']:.0f} ms "
              f"+ compile {t['compile_ms']:.0f} ms, call {t['first_call_ms']:.1f} ms; "
              f"ORT session {o['load_ms']:.0f} ms, call {o['first_call_ms']:.1f} ms",
              flush=True)
        if bad.any():
            idx = np.unravel_index(int(np.argmax(np.where(bad, err, -1))), ref.shape)
            print(f"     first worst element {idx}: tvmc {got[idx]!r}, ort {ref[idx]!r}")
            failed.append(name)
    if failed:
        print(f"models: {len(failed)} of {len(args.models)} models differ from ONNX Runtime: "
              + ", ".join(failed))
        return 1
    print(f"models: {len(args.models)} of {len(args.models)} models match ONNX Runtime")
    return 0


def mib(kb):
    return kb / 1024.0


def cmd_bench(args):
    """Each (model, threads) pair runs --repeat times in both, interleaved
    (tvmc, ORT, next pair, ..., then again), so load from other processes
    on a shared machine falls on both sides alike; each run is a fresh
    process. Reports the median over the repeats of each run's median and
    the range of those medians, and the process CPU time per call: at one
    thread it is the call's own cost, which load from other processes
    disturbs far less than the wall-clock latency (at two threads it also
    counts the workers' spinning)."""
    pairs = [(name, threads) for name in args.models for threads in (1, 2)]
    got = {p: ([], []) for p in pairs}
    for rep in range(args.repeat):
        for name, threads in pairs:
            tv, ort = runners(args, name, threads, args.runs, args.warmup)
            tv += ["--max-seconds", str(args.max_seconds)]
            ort += ["--max-seconds", str(args.max_seconds)]
            t, o = run_json(tv), run_json(ort)
            got[(name, threads)][0].append(t)
            got[(name, threads)][1].append(o)
            print(f"[{rep + 1}/{args.repeat}] {name} x{threads}: tvmc {t['median_ms']:.2f} ms, "
                  f"ORT {o['median_ms']:.2f} ms", file=sys.stderr, flush=True)

    def med(rows, key):
        return float(np.median([r[key] for r in rows]))

    def spread(rows):
        v = [r["median_ms"] for r in rows]
        return f"{min(v):.1f}–{max(v):.1f}" if len(v) > 1 else "—"

    head = ("| model | threads | tvmc (ms) | ORT (ms) | **tvmc / ORT** | CPU per call, tvmc / ORT "
            "(ms) | tvmc import + compile (ms) | ORT session (ms) | tvmc kernels, workspace "
            "| peak RSS above start, tvmc / ORT (MiB) |")
    print(f"{args.repeat} repeats, medians of up to {args.runs} timed runs each "
          f"(ranges: the repeats' medians)")
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for name, threads in pairs:
        tvs, orts = got[(name, threads)]
        tm, om = med(tvs, "median_ms"), med(orts, "median_ms")
        tmem = float(np.median([r["peak_rss_kb"] - r["rss_base_kb"] for r in tvs]))
        omem = float(np.median([r["peak_rss_kb"] - r["rss_base_kb"] for r in orts]))
        print(f"| {name} | {threads} | {tm:.2f} ({spread(tvs)}) | {om:.2f} ({spread(orts)}) "
              f"| **{tm / om:.2f}×** | {med(tvs, 'cpu_ms'):.1f} / {med(orts, 'cpu_ms'):.1f} "
              f"({med(tvs, 'cpu_ms') / med(orts, 'cpu_ms'):.2f}×) "
              f"| {med(tvs, 'import_ms'):.0f} + {med(tvs, 'compile_ms'):.0f} "
              f"| {med(orts, 'load_ms'):.0f} | {tvs[0]['kernels']}, "
              f"{tvs[0]['workspace_bytes'] / 2**20:.1f} MiB "
              f"| {mib(tmem):.0f} / {mib(omem):.0f} ({tmem / omem:.2f}×) |")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command", choices=["test", "bench"])
    p.add_argument("--tvmc-run", required=True, help="the tvmc_run program meson built")
    p.add_argument("--work", required=True, help="folder for the models and outputs")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeat", type=int, default=3, help="bench: runs of each pair")
    p.add_argument("--max-seconds", type=float, default=5.0,
                   help="bench: stop a run's timed calls after this long (at least 3)")
    p.add_argument("models", nargs="*")
    args = p.parse_intermixed_args()
    known = MODELS + TEST_ONLY
    args.models = args.models or (known if args.command == "test" else MODELS)
    for m in args.models:
        if m not in known:
            p.error(f"unknown model {m!r} (known: {', '.join(known)})")
    os.makedirs(args.work, exist_ok=True)
    try:
        ensure_ort()
    except Skip as e:
        print(f"SKIPPED: {e}", flush=True)
        return SKIP
    ensure_models(args.work, args.models)
    return cmd_test(args) if args.command == "test" else cmd_bench(args)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env node
// Builds the optional native backend, build/kindling.node, with the machine's C++ compiler
// and the Node-API headers of the `node-api-headers` npm package. Nothing is downloaded
// (node-gyp would fetch Node's headers). Runs as the package's `install` script, so it never
// fails: on any problem it prints one line and exits 0, and Kindling uses the JS backend.
//
//   node native/build.mjs [--force] [--verbose]
//   env: CXX (compiler, default g++), KINDLING_SKIP_NATIVE=1 (skip), KINDLING_BUILD_VERBOSE=1
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const srcDir = join(here, "src");
const outDir = join(root, "build");
const objDir = join(outDir, "obj");
const target = join(outDir, "kindling.node");
const args = new Set(process.argv.slice(2));
const verbose = args.has("--verbose") || process.env.KINDLING_BUILD_VERBOSE === "1";

// -march=x86-64-v2 is the baseline every x86-64 CPU of the last decade runs; the AVX2 and
// AVX-512 kernels are compiled through target pragmas and chosen at run time.
const CXXFLAGS = [
  "-std=c++17", "-O3", "-march=x86-64-v2", "-fPIC", "-fvisibility=hidden", "-pthread",
  // No implicit a*b+c fusion: elementwise results must be bit-identical to the JS kernels'
  // (the GEMM and math kernels use FMA explicitly, through intrinsics).
  "-ffp-contract=off",
  // sqrt as the vector instruction: errno is never read.
  "-fno-math-errno",
  "-DNDEBUG", "-Wall", "-Wextra", "-Wno-maybe-uninitialized", "-Wno-unused-parameter",
];

class BuildError extends Error {}

function run(cmd, argv) {
  if (verbose) console.log([cmd, ...argv].join(" "));
  return new Promise((resolvePromise, reject) => {
    let output = "";
    let child;
    try {
      child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      reject(new BuildError(`cannot run ${cmd}: ${e.message}`));
      return;
    }
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", (e) =>
      reject(new BuildError(e.code === "ENOENT" ? `no C++ compiler: ${cmd} not found` : `${cmd}: ${e.message}`)),
    );
    child.on("close", (code) => {
      if (verbose && output) process.stdout.write(output);
      if (code === 0) resolvePromise(output);
      else {
        const firstError = output.split("\n").find((l) => /error/i.test(l)) ?? `exit code ${code}`;
        reject(new BuildError(`${cmd} failed: ${firstError.trim()}`));
      }
    });
  });
}

function newestMtime(paths) {
  return Math.max(...paths.map((p) => statSync(p).mtimeMs));
}

async function build() {
  if (process.env.KINDLING_SKIP_NATIVE === "1") throw new BuildError("KINDLING_SKIP_NATIVE=1");
  if (process.arch !== "x64") throw new BuildError(`${process.arch} CPUs are not supported yet`);
  if (process.platform === "win32") throw new BuildError("Windows builds are not supported yet");
  if (!existsSync(srcDir)) throw new BuildError("native/src is missing");

  let includeDir;
  try {
    includeDir = createRequire(import.meta.url)("node-api-headers").include_dir;
  } catch {
    throw new BuildError("the node-api-headers package is not installed");
  }
  if (!existsSync(join(includeDir, "node_api.h"))) throw new BuildError("node_api.h not found in node-api-headers");

  const cxx = process.env.CXX || "g++";
  const sources = readdirSync(srcDir).filter((f) => f.endsWith(".cc")).map((f) => join(srcDir, f));
  const inputs = readdirSync(srcDir).map((f) => join(srcDir, f)).concat(fileURLToPath(import.meta.url));
  if (!args.has("--force") && existsSync(target) && statSync(target).mtimeMs > newestMtime(inputs)) return "up to date";

  mkdirSync(objDir, { recursive: true });
  const flags = [...CXXFLAGS, `-I${includeDir}`];
  // Compile two at a time (the kernels take the longest), then link.
  const objects = [];
  const queue = [...sources];
  const jobs = Math.max(1, Math.min(4, (await import("node:os")).availableParallelism?.() ?? 2));
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      for (let src; (src = queue.shift()); ) {
        const obj = join(objDir, src.slice(srcDir.length + 1).replace(/\.cc$/, ".o"));
        objects.push(obj);
        await run(cxx, [...flags, "-c", src, "-o", obj]);
      }
    }),
  );
  const linkFlags = ["-shared", "-pthread"];
  if (process.platform === "darwin") linkFlags.push("-undefined", "dynamic_lookup");
  const tmp = `${target}.tmp`;
  await run(cxx, [...linkFlags, ...objects.sort(), "-o", tmp]);
  // Load it once here so a broken build is caught now, not at first use.
  try {
    const mod = { exports: {} };
    process.dlopen(mod, tmp); // require() would treat the .tmp name as JavaScript
    const addon = mod.exports;
    const isa = addon.isa();
    renameSync(tmp, target);
    return `built (${isa} kernels, ${addon.getNumThreads()} threads)`;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new BuildError(`the built addon does not load: ${String(e.message).split("\n")[0]}`);
  }
}

try {
  const what = await build();
  if (what !== "up to date" || verbose) console.log(`kindling: native backend ${what}`);
} catch (e) {
  const reason = e instanceof BuildError ? e.message : `unexpected error: ${e?.message ?? e}`;
  console.log(`kindling: native backend not built (${reason}); using the JS backend`);
}
process.exit(0);

/**
 * The package's plain entry (`src/index.ts`, what bundlers take for browsers) runs where there is
 * no Node.js: bundled by esbuild for the browser platform, then run in a bare V8 context that has
 * no `process`, `Buffer`, `require` or `node:` modules — only `console`. It must bundle without
 * pulling a Node module and give the README's numbers and printing on the JS kernels, and draw
 * a plot to PNG and SVG.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import vm from "node:vm";
import { build } from "esbuild";

test("the plain entry bundles for browsers and runs without Node's globals", async () => {
  const result = await build({
    entryPoints: [new URL("../src/index.ts", import.meta.url).pathname],
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "torch",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].text;
  assert.doesNotMatch(code, /require\(["']node:|from ["']node:/);

  const lines: string[] = [];
  const sandbox = vm.createContext({ console: { log: (...a: unknown[]) => lines.push(a.map(String).join(" ")) } });
  assert.equal(vm.runInContext("typeof process + typeof Buffer + typeof require", sandbox), "undefinedundefinedundefined");
  vm.runInContext(code, sandbox);
  vm.runInContext(
    `const x = torch.ones([2, 2], { requiresGrad: true });
     const y = x.add(2);
     y.mul(y).mul(3).mean().backward();
     console.log(x.grad);
     console.log(y.gradFn.name());
     const model = new torch.nn.Linear(3, 1);
     const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
     const before = model.call(torch.ones([4, 3])).sum().item();
     opt.zeroGrad();
     model.call(torch.ones([4, 3])).sum().backward();
     opt.step();
     const after = model.call(torch.ones([4, 3])).sum().item();
     console.log(torch.backends.current(), before > after);
     torch.utils.plot.plot(x.detach().flatten(), y.detach().flatten());
     const png = torch.utils.plot.gcf().toPNG();
     console.log(String.fromCharCode(...png.subarray(1, 4)), torch.utils.plot.gcf().toSVG().includes("<polyline"));`,
    sandbox,
  );
  assert.deepEqual(lines, ["tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])", "AddBackward0", "js true", "PNG true"]);
});

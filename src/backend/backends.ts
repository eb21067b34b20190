/**
 * `torch.backends`: which kernel backend is running, and switching between the registered
 * ones. The JS backend is always there; the Node entry point (`kindling` under Node) registers
 * and selects the native one when its addon loads.
 *
 * @example
 * torch.backends.current(); // "native" (or "js" in a browser, or with KINDLING_BACKEND=js)
 * torch.backends.isa();     // "avx512", "avx2", "generic", or null for the JS kernels
 * torch.backends.use("js"); // run on the reference kernels from now on
 */
import { backend, backendNames, findBackend, setBackend } from "./backend.js";

/** The name of the backend kernels run on now: "js" or "native". */
export function current(): string {
  return backend().name;
}

/** The instruction-set family of the active backend's kernels, or null for the JS kernels. */
export function isa(): string | null {
  return backend().isa?.() ?? null;
}

/** Names of the backends that {@link use} accepts, "js" first. */
export function available(): string[] {
  return backendNames();
}

/**
 * Runs all later kernels on the named backend.
 * @throws Error when no backend of that name is registered (see {@link available}).
 */
export function use(name: string): void {
  const b = findBackend(name);
  if (!b) throw new Error(`no backend named "${name}" (available: ${backendNames().join(", ")})`);
  setBackend(b);
}

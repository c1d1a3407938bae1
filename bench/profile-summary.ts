/**
 * `node dist/bench/profile-summary.js <file.cpuprofile> [--top=25] [--since-ms=N]`
 *
 * Summarises a V8 CPU profile (from `node --cpu-prof`): where the main thread's time went, by package or
 * source file (self time), and the functions with the most self and inclusive time. `--since-ms` skips the
 * first N ms of the profile (start-up, the accept phase of a drain).
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Groups a frame by what owns the code: a package, a Herald source file, Node's internals, or V8 itself. */
function owner(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === "")
    return functionName.startsWith("(") ? functionName : `(native) ${functionName || "anonymous"}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return `npm:${pkg[1]}`;
  const own = /\/dist\/(src|bench)\/(.+)\.js$/.exec(url);
  if (own?.[1] && own[2]) return `${own[1]}/${own[2]}`;
  if (url.startsWith("node:")) return url;
  return url;
}

function label(frame: CallFrame): string {
  const where = owner(frame);
  return `${frame.functionName || "(anonymous)"} — ${where}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
}

function main(): void {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) throw new Error("usage: profile-summary <file.cpuprofile> [--top=25] [--since-ms=N]");
  let top = 25;
  let sinceMs = 0;
  for (const arg of rest) {
    const [name, value] = arg.split("=", 2);
    if (name === "--top") top = Number(value);
    else if (name === "--since-ms") sinceMs = Number(value);
    else throw new Error(`unknown argument ${arg}`);
  }
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByOwner = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  let total = 0;
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsed += delta;
    if (elapsed / 1000 < sinceMs) continue;
    const node = byId.get(profile.samples[i] as number);
    if (!node) continue;
    total += delta;
    const own = owner(node.callFrame);
    selfByOwner.set(own, (selfByOwner.get(own) ?? 0) + delta);
    const name = label(node.callFrame);
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + delta);
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame && frame.functionName !== "(root)") onStack.add(label(frame));
    }
    for (const entry of onStack)
      inclusiveByFunction.set(entry, (inclusiveByFunction.get(entry) ?? 0) + delta);
  }

  const print = (title: string, table: Map<string, number>) => {
    console.log(`\n${title}`);
    const rows = [...table.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [name, micros] of rows) {
      console.log(
        `${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`,
      );
    }
  };
  console.log(
    `${(total / 1000).toFixed(0)} ms sampled${sinceMs > 0 ? ` after the first ${sinceMs} ms` : ""}`,
  );
  print("Self time by owner", selfByOwner);
  print("Self time by function", selfByFunction);
  print("Inclusive time by function", inclusiveByFunction);
}

main();

/**
 * Fires HTTP requests concurrently from a separate Node process. A client inside the test process shares the
 * server's event loop and feeds it one request per turn, which no real client does; load that should arrive
 * together (group commit) must come from outside.
 */
import { spawn } from "node:child_process";

export interface ExternalRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ExternalResponse {
  status: number;
  text: string;
}

const CLIENT = `
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const requests = JSON.parse(input);
  const responses = await Promise.all(
    requests.map(async (r) => {
      const response = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body });
      return { status: response.status, text: await response.text() };
    }),
  );
  process.stdout.write(JSON.stringify(responses));
});
`;

/** Sends every request at once from a child process; resolves with the responses in order. */
export function sendConcurrently(requests: readonly ExternalRequest[]): Promise<ExternalResponse[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", CLIENT], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`external client exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as ExternalResponse[]);
    });
    child.stdin.end(JSON.stringify(requests));
  });
}

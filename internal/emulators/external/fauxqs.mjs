// Starts fauxqs (SQS) on 127.0.0.1 only. fauxqs's own CLI listens on every
// interface, so this builds its app and listens itself.
//
//   node fauxqs.mjs <path to fauxqs/dist/app.js> <port, 0 for any> <region>
//
// Prints "listening <url>" once ready, and exits when stdin closes, so the
// server never outlives the process that started it.
import { pathToFileURL } from "node:url";

const [appPath, port = "0", region = "us-east-1"] = process.argv.slice(2);
if (!appPath) {
  console.error("usage: node fauxqs.mjs <fauxqs/dist/app.js> [port] [region]");
  process.exit(2);
}

const { buildApp } = await import(pathToFileURL(appPath).href);
const app = buildApp({ logger: false, defaultRegion: region });
const url = await app.listen({ host: "127.0.0.1", port: Number(port) });
console.log(`listening ${url}`);

process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => app.close().finally(() => process.exit(0)));
}

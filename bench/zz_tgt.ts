import { startTarget } from "./paced.ts";
const t = await startTarget();
console.log(t.url);
await new Promise((r) => setTimeout(r, 1_200_000));
await t.stop();

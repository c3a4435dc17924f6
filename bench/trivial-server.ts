/** The comparison point: a trivial Fastify 5 app (GET / small JSON; POST /echo parses a JSON body). */
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/", async () => ({ hello: "world" }));
app.post("/echo", async (req) => ({ ok: typeof req.body === "object" }));
await app.listen({ host: "127.0.0.1", port: Number(process.env.BENCH_PORT ?? 3190) });
const stop = () => void app.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

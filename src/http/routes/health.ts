import type { FastifyInstance } from "fastify";
import type { HttpDeps } from "../app.js";

export function healthRoutes(app: FastifyInstance, { services }: HttpDeps): void {
  // GET also answers HEAD (Fastify's exposeHeadRoutes).
  app.get("/api/v1/health", async (_request, reply) => {
    const database = await services.health.database();
    const body = { database: { status: database }, queue: { status: database }, cache: { status: "ok" } };
    return reply.status(database === "ok" ? 200 : 500).send(body);
  });

  app.get("/api/v1/health/ping", async (_request, reply) => reply.status(204).send());
}

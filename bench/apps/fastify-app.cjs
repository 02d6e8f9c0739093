// A real app for start-to-serving (issue 10): Fastify with a few of its
// plugins (CORS, Helmet's headers, rate limiting, sensible errors), JSON
// schemas compiled at start, a few routes. PORT from the environment.
// Modules come from the repository's node_modules, bound at /opt/bench/node_modules.
const { createRequire } = require('module');
const req = createRequire(process.env.BENCH_MODULES || '/opt/bench/node_modules/');
const fastify = req('fastify')({ logger: false });
fastify.register(req('@fastify/cors'), { origin: true });
fastify.register(req('@fastify/helmet'));
fastify.register(req('@fastify/rate-limit'), { max: 1e9, timeWindow: '1 minute' });
fastify.register(req('@fastify/sensible'));
const item = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } };
fastify.get('/', async () => `${process.pid}\n`);
fastify.get('/items/:id', { schema: { params: { type: 'object', properties: { id: { type: 'integer' } } }, response: { 200: item } } }, async (r) => ({ id: r.params.id, name: 'x', tags: [] }));
fastify.post('/items', { schema: { body: item, response: { 201: item } } }, async (r, reply) => reply.code(201).send(r.body));
fastify.get('/fail', async () => {
  throw fastify.httpErrors.notFound();
});
fastify.listen({ port: Number(process.env.PORT || 8080), host: '::' });

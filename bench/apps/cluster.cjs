// An even spread with no manager code (issue 10): Node's own cluster module, 4
// workers fed round-robin by the primary, each running app.js, and nothing
// else: no manager code in any worker. With keep-alive clients the primary
// only hands each connection over once, so the workers' steady state is
// what evenly fed instances that run nothing but the app do.
// A worker that dies is forked again. WORKERS overrides the count.
const cluster = require('cluster');
const path = require('path');

cluster.schedulingPolicy = cluster.SCHED_RR;
if (cluster.isPrimary) {
  const n = Number(process.env.WORKERS || 4);
  for (let i = 0; i < n; i++) cluster.fork();
  cluster.on('exit', () => cluster.fork());
} else {
  require(path.join(__dirname, 'app.js'));
}

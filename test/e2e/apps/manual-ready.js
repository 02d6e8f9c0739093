// pm2's wait_ready convention: ready when the app says so, here without listening at all.
setTimeout(() => {
  console.log('app: warming done, sending ready');
  process.send('ready');
}, 1500);
setInterval(() => {}, 1 << 30);

// Never becomes ready: systemd must fail the start after TimeoutStartSec.
console.log('app: starting, but will never listen');
setInterval(() => {}, 1 << 30);

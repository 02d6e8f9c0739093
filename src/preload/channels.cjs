'use strict';
/**
 * Subscribes to a diagnostics channel for the life of the process.
 * diagnostics_channel held channels weakly on some Node 18 releases,
 * dropping their subscribers after a GC, so each channel subscribed here
 * is kept strongly referenced.
 */
const held = [];

function subscribe(dc, name, fn) {
  const channel = dc.channel(name);
  channel.subscribe(fn);
  held.push(channel);
}

module.exports = { subscribe };

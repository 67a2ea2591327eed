'use strict';

class Bus {
  constructor(names) {
    this.queues = new Map(names.map((n) => [n, []]));
  }

  channels() {
    return [...this.queues.keys()];
  }

  publish(channel, data) {
    const q = this.queues.get(channel);
    if (!q) return { queued: false, reason: 'no such channel' };
    q.push(data);
    return { queued: true, channel, depth: q.length };
  }
}

module.exports = { Bus };

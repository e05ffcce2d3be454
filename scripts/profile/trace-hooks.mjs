// Preloaded with `node --import` into `comfyvisor run` by scripts/bench-profile.ts: prints one line
// per start-up step (ms since the process began) on fd 3, without touching the supervisor's code.
import childProcess from 'node:child_process';
import { writeSync } from 'node:fs';
import net from 'node:net';

const fd = 3;
const t = () => performance.now().toFixed(2);
const mark = (what) => {
  try {
    writeSync(fd, `${t()} ${what}\n`);
  } catch {}
};
mark('preload (node bootstrap done)');

const spawnOriginal = childProcess.ChildProcess.prototype.spawn;
childProcess.ChildProcess.prototype.spawn = function (options) {
  const what = `${options.file} ${(options.args ?? []).slice(1, 3).join(' ').slice(0, 40)}`.replace(
    /\n/g,
    ' ',
  );
  mark(`spawn ${what}`);
  const result = spawnOriginal.call(this, options);
  mark(`spawned ${what}`);
  this.once('exit', (code) => mark(`exit(${code}) ${what}`));
  return result;
};
const connectOriginal = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const o = args[0];
  const port = typeof o === 'object' && o !== null ? (o.port ?? o[0]?.port) : o;
  mark(`connect :${port}`);
  this.once('connect', () => mark(`connected :${port}`));
  this.once('error', () => mark(`refused :${port}`));
  return connectOriginal.apply(this, args);
};
const listenOriginal = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  mark(`listen :${args[0]}`);
  this.once('listening', () => mark(`listening :${this.address()?.port}`));
  return listenOriginal.apply(this, args);
};

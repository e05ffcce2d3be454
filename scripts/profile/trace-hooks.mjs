// Preloaded with `node --import` into `comfyvisor run` by scripts/bench-profile.ts: writes one line per
// start-up step on fd 3 (`<epoch ms> <what>`), without touching the supervisor's code. Steps: spawns
// of child processes (and their exits), TCP connects (port checks), listens (the control API).
import childProcess from 'node:child_process';
import { writeSync } from 'node:fs';
import net from 'node:net';

const mark = (what) => {
  try {
    writeSync(3, `${(performance.timeOrigin + performance.now()).toFixed(3)} ${what}\n`);
  } catch {
    // no fd 3: not profiled
  }
};
mark(`process-start ${performance.timeOrigin.toFixed(3)}`);
mark('preload');

const kindOf = (file, args) => {
  if (file === '/bin/sh') return 'lifeline';
  if (args.includes('-c')) return 'torch-query';
  if (args.some((a) => a.endsWith('main.py'))) return 'comfyui';
  return file;
};
const spawnOriginal = childProcess.ChildProcess.prototype.spawn;
childProcess.ChildProcess.prototype.spawn = function (options) {
  const kind = kindOf(options.file, options.args ?? []);
  mark(`spawn ${kind}`);
  const result = spawnOriginal.call(this, options);
  mark(`spawned ${kind}`);
  this.once('exit', (code) => mark(`exit ${kind} ${code}`));
  return result;
};
const connectOriginal = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const o = args[0];
  const port = typeof o === 'object' && o !== null ? (o.port ?? o[0]?.port) : o;
  mark(`connect ${port}`);
  this.once('connect', () => mark(`connected ${port}`));
  this.once('error', () => mark(`refused ${port}`));
  return connectOriginal.apply(this, args);
};
const listenOriginal = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  mark('listen');
  this.once('listening', () => mark('listening'));
  return listenOriginal.apply(this, args);
};

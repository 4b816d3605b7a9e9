#!/usr/bin/env node
// Entry point of the `quire` command: the compiled CLI lives in lib/ (built by `npm ci` via `prepare`).
import { main } from '../lib/cli/main.js';

// `quire synth --stdout | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv);

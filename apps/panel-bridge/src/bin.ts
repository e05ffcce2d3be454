#!/usr/bin/env node
import { bridgeMain } from './cli.ts';

bridgeMain(process.argv.slice(2)).then((code) => process.exit(code));

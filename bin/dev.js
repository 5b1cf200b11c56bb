#!/usr/bin/env -S node --import tsx --no-warnings
// Runs the commands from src/ through tsx. CommonJS, as bin/run.js is (bin/package.json).
'use strict'
require('@oclif/core')
  .execute({development: true, dir: require('node:path').join(__dirname, '..')})
  .then(() => process.exit(process.exitCode ?? 0))

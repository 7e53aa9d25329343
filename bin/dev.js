#!/usr/bin/env node
// Development entry point: rebuilds nothing, runs the bundle in dist/ with
// oclif's development mode (stack traces on). Run `npm run build` first.
'use strict'
const {join} = require('node:path')
const {pathToFileURL} = require('node:url')

process.env.NODE_ENV = 'development'
import(pathToFileURL(join(__dirname, '..', 'dist', 'cli.js')).href).then(({main}) => main(pathToFileURL(join(__dirname, '..', 'package.json')).href, {development: true}))

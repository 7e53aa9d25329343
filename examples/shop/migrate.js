// A one-shot task: pretend to migrate a database, then exit 0.
console.log('migrating: 3 steps')
for (const step of ['create tables', 'add indexes', 'seed data']) console.log(`  done: ${step}`)
console.log('migration complete')

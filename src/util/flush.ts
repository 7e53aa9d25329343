// Wait until everything written to stdout and stderr has reached the OS.
// Writes to a pipe are asynchronous: exiting right after a large output
// (mar logs -n 100000 | grep …) would otherwise drop its tail.
export async function flushOutput(): Promise<void> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (stream.destroyed || !stream.writable) return resolve()
          stream.write('', () => resolve())
        }),
    ),
  )
}

// Lets pending promise callbacks and I/O callbacks run (watch events delivered, stores updated) before a
// unit test looks: the in-memory API answers within the same process, so a few turns are enough.
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

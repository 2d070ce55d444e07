// Loaded into every test file's process by scripts/test.mjs (`--import`). A test file must let
// its process end once its tests are done: a server, socket, timer or child process left open
// keeps it alive and, without a forced exit, stalls the whole run. After the last test of a file
// this guard waits a grace period (not holding the process itself); if the process is still
// there, it names what keeps it alive and fails the file instead of hanging.
const GRACE_MS = Number(process.env.PORTCULLIS_TEST_EXIT_GRACE_MS ?? 20_000);

function describe(handle) {
  const name = handle?.constructor?.name ?? typeof handle;
  if (name === 'Server' && typeof handle.address === 'function') {
    const address = handle.address();
    return `Server ${typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : String(address)}`;
  }
  if (name === 'Socket' || name === 'TLSSocket') {
    if (handle.remotePort !== undefined) return `${name} to ${handle.remoteAddress}:${handle.remotePort}`;
    return `${name} (${handle.localPort !== undefined ? `local ${handle.localAddress}:${handle.localPort}` : 'unconnected'})`;
  }
  if (name === 'ChildProcess') return `ChildProcess pid ${handle.pid} (${handle.spawnargs?.join(' ')})`;
  return name;
}

// Only in the process that runs one test file: not in the runner that orchestrates them, and not
// in a cluster worker or forked child of a test (they inherit the flags and the environment).
const testFileProcess =
  process.env.NODE_TEST_CONTEXT?.startsWith('child') === true &&
  process.env.NODE_UNIQUE_ID === undefined &&
  process.send === undefined;
if (testFileProcess) {
  const { after } = await import('node:test');
  after(() => {
    setTimeout(() => {
      const stdio = new Set([process.stdin, process.stdout, process.stderr]);
      const handles = process
        ._getActiveHandles()
        .filter((handle) => !stdio.has(handle))
        .map(describe);
      const resources = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
      process.stderr.write(
        `test-exit-guard: the process is still alive ${GRACE_MS} ms after its last test.\n` +
          `  handles: ${handles.join(', ') || '(none listed)'}\n` +
          `  resources: ${resources.join(', ')}\n` +
          '  Close what the tests opened (servers, clients, timers: unref where right).\n',
      );
      process.exit(1);
    }, GRACE_MS).unref();
  });
}

import { Command, CommanderError, Option } from 'commander';
import { isShieldError } from '../errors.js';
import { KEY_STORE_FAILURE_REASONS } from '../tokens/key-store-failure-reasons.js';
import { CliError, EXIT } from './cli-error.js';
import { type CliIo, processIo } from './io.js';

// Each command's module (and what it pulls in: the config schema, the server, the stores, the
// verifiers) is imported when that command runs, so `--help` and `check` load only what they use.

/** Builds the `portcullis` command tree; `run` parses and dispatches, returning the exit code. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('portcullis')
    .description('Open, self-hosted shield for mobile app backends')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .exitOverride();

  const action =
    <A extends unknown[]>(run: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExit(await run(...args));

  program
    .command('init')
    .description('write a commented portcullis.yaml and create the key directory with a first signing key')
    .option('--dir <dir>', 'folder for portcullis.yaml and data/', '.')
    .option('--issuer <url>', "the shield's public URL", 'http://127.0.0.1:8080')
    .option('--port <port>', 'port of the public listener', '8080')
    .option('--force', 'overwrite an existing portcullis.yaml')
    .action(
      action((options: { dir: string; issuer: string; port: string; force?: boolean }) =>
        import('./commands/init.js').then(({ initCommand }) => initCommand(options, io)),
      ),
    );

  program
    .command('start')
    .description('run the shield')
    .requiredOption('--config <file>', 'path of portcullis.yaml')
    .option(
      '--workers <n>',
      'worker processes sharing the port: 1 to 64, or auto (one per core); default: config workers',
    )
    .action(
      action((options: { config: string; workers?: string }) =>
        import('./commands/start.js').then(({ startCommand }) => startCommand(options, io)),
      ),
    );

  program
    .command('check')
    .description('validate a config without starting; every problem with file:line:column and a fix')
    .requiredOption('--config <file>', 'path of portcullis.yaml')
    .option('--explain', "print each route's compiled policy, every default written out")
    .option('--json', 'with --explain: the compiled policies as JSON')
    .action(
      action((options: { config: string; explain?: boolean; json?: boolean }) =>
        import('./commands/check.js').then(({ checkCommand }) => checkCommand(options, io)),
      ),
    );

  const keys = program.command('keys').description('signing keys of app tokens');
  keys
    .command('list')
    .description('show the signing keys and their status')
    .requiredOption('--config <file>', 'path of portcullis.yaml')
    .option('--json', 'machine-readable output')
    .action(
      action((options: { config: string; json?: boolean }) =>
        import('./commands/keys.js').then(({ keysListCommand }) => keysListCommand(options, io)),
      ),
    );
  keys
    .command('rotate')
    .description('add a new signing key; the old one stays published until its tokens expired')
    .requiredOption('--config <file>', 'path of portcullis.yaml')
    .option('--json', 'machine-readable output')
    .action(
      action((options: { config: string; json?: boolean }) =>
        import('./commands/keys.js').then(({ keysRotateCommand }) => keysRotateCommand(options, io)),
      ),
    );

  const token = program.command('token').description('app tokens');
  token
    .command('inspect')
    .description('decode a token (untrusted); with --config, verify it and say why it is refused')
    .argument('<token>', 'the token, or @FILE')
    .option('--config <file>', 'verify against this shield')
    .option('--json', 'machine-readable output')
    .action(
      action((value: string, options: { config?: string; json?: boolean }) =>
        import('./commands/token-inspect.js').then(({ tokenInspectCommand }) =>
          tokenInspectCommand(value, options, io),
        ),
      ),
    );

  program
    .command('probe')
    .description(
      'attack your own shield: forged, expired and moved tokens and proofs, debug tokens, path and header tricks, smuggling, oversized input, echoed secrets; reports what got through, with a fix; exit 0 all held, 1 something got through, 2 usage',
    )
    .requiredOption('--config <file>', 'path of portcullis.yaml')
    .option(
      '--target <url>',
      'probe the running shield at this origin (loopback, or the config’s issuer); default: a dry run on loopback with echo upstreams',
    )
    .option('--echo-route <path>', 'with --target: a route whose upstream echoes what it receives')
    .option('--app <id>', 'with --target: the app of the debug credential (PORTCULLIS_PROBE_DEBUG_TOKEN)')
    .option('--debug-token-file <file>', 'with --target: a file holding a debug credential')
    .option('--max-requests <n>', 'most requests sent (1 to 100000)', '500')
    .option('--rate <n>', 'most requests per second (1 to 1000)', '20')
    .option('--json', 'machine-readable report (docs/probe.md)')
    .action(
      action(async (options: Record<string, unknown>) => {
        // The probe (and the servers it starts) is loaded only when this command runs.
        const { probeCommand } = await import('./commands/probe.js');
        return probeCommand(options as unknown as import('./commands/probe.js').ProbeCommandOptions, io);
      }),
    );

  const evidence = program.command('evidence').description('attestation evidence');
  evidence
    .command('verify')
    .description(
      'check one saved piece of evidence offline: the verdict of each step, then the level and facts, or the refusal with the values its check compared; exit 0 accepted, 1 refused, 2 bad input',
    )
    .addOption(
      new Option('--type <type>', 'evidence type')
        .choices(['apple-app-attest', 'apple-assertion', 'android-key-attestation', 'play-integrity'])
        .makeOptionMandatory(),
    )
    .option('--app-id <id>', 'apple: TEAMID.bundle.id')
    .option('--key-id <b64>', 'apple-app-attest: the key id')
    .option('--attestation <b64>', 'apple-app-attest: the attestation object, b64 or @FILE')
    .option(
      '--client-data-hash <b64>',
      'apple: the clientDataHash the app passed to Apple, b64, any length (the shield passes SHA-256 of the challenge)',
    )
    .option('--environment <env>', 'apple-app-attest: development or production (default: both)')
    .option('--public-key <pem>', 'apple-assertion: the registered public key, PEM or @FILE')
    .option('--assertion <b64>', 'apple-assertion: the assertion, b64 or @FILE')
    .option('--previous-counter <n>', 'apple-assertion: the stored counter')
    .option(
      '--chain <file>',
      'android: @FILE.pem with the chain, leaf first; RSA and EC keys are checked and the key type reported (the shield itself binds EC P-256 keys only)',
    )
    .option(
      '--challenge <b64>',
      'the exact bytes attested, b64, compared as they are: a shield challenge is its UTF-8 text; WebAuthn android-key attests the clientDataHash; play-integrity needs UTF-8',
    )
    .option('--package <name>', 'android: expected package name')
    .option(
      '--signing-cert-sha256 <hex>',
      'android: accepted signing certificate digest (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [] as string[],
    )
    .option('--policy <policy>', 'android: strict or lenient', 'strict')
    .option('--revocation <file>', 'android: @FILE with the revocation status list (JSON)')
    .option('--token <token>', 'play-integrity: the token, or @FILE')
    .option('--config <file>', 'play-integrity: the app keys and policy; also the app for --app-id')
    .option('--at <iso-time>', 'verification time (default: now)')
    .option('--json', 'machine-readable output, bad input included ({"error": {...}}, exit 2)')
    .action(
      action((options: Record<string, unknown>) =>
        import('./commands/evidence-verify.js').then(({ evidenceVerifyCommand }) =>
          evidenceVerifyCommand(options, io),
        ),
      ),
    );

  program
    .command('scan')
    .description(
      'find the secrets an attacker would pull out of an app build (APK, AAB, IPA, ZIP, folder, file)',
    )
    .argument('<inputs...>', 'APK, AAB, IPA or ZIP archives, folders or files')
    .option('--json', 'machine-readable output')
    .option('--sarif', 'SARIF 2.1.0 output for code-scanning tools')
    .option('--output <file>', 'write the report to a file instead of stdout')
    .option(
      '--fail-on <severity>',
      'exit 1 on a finding at or above: info, low, medium, high, critical, or none',
      'high',
    )
    .option('--ignore-file <file>', `accepted findings (default: ./.portcullis-scan-ignore when present)`)
    .option(
      '--suggest-config',
      'print the secrets: entries and routes that move each key found into the shield',
    )
    .action(
      action(async (inputs: string[], options: Record<string, unknown>) => {
        // The scanner is loaded only when this command runs: the shield's start-up never pays for it.
        const { scanCommand } = await import('./commands/scan.js');
        return scanCommand(inputs, options as unknown as import('./commands/scan.js').ScanCommandOptions, io);
      }),
    );

  return program;
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      if (error.exitCode === 0) return EXIT.ok;
      // Commander has written the message to stderr; a caller that asked for JSON gets it too.
      if (argv.includes('--json')) {
        io.out(JSON.stringify({ error: { message: error.message.replace(/^error: /, '') } }, null, 2));
      }
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(`portcullis: ${error.message}`);
      if (error.fix !== undefined) io.err(`  fix: ${error.fix}`);
      return error.exitCode;
    }
    if (isShieldError(error)) {
      // Refusals of the key store and the like carry a stable reason with a documented fix.
      const known = KEY_STORE_FAILURE_REASONS.find((entry) => entry.code === error.reason);
      io.err(`portcullis: ${error.message}`);
      if (known !== undefined) io.err(`  fix: ${known.fix}`);
      return EXIT.failure;
    }
    io.err(`portcullis: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failure;
  }
}

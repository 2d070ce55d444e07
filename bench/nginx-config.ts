import { join } from 'node:path';
import { BENCH_PATH, PROVIDER_HEADER, STREAM_UPSTREAM_PATH, UPSTREAM_BODY } from './bench-constants.js';

/** Options of {@link nginxConfigText}. */
export interface NginxConfigOptions {
  /** `upstream`: answers /api/** itself. `proxy`: a keep-alive reverse proxy to `upstreamPort` injecting the key. */
  role: 'upstream' | 'proxy';
  port: number;
  /** Folder for the pid file, logs and temporary files (nginx runs with `-p` there). */
  dir: string;
  secret: string;
  workers: number;
  upstreamPort?: number;
  /** Upstream role: the file served at STREAM_UPSTREAM_PATH (the streaming setups' large answer). */
  largeFile?: string;
}

function quoted(value: string): string {
  if (!/^[\x21-\x7e]*$/.test(value) || value.includes("'") || value.includes('\\')) {
    throw new TypeError('nginx config values must be printable ASCII without quotes or backslashes');
  }
  return `'${value}'`;
}

/**
 * An nginx config for the benchmark: foreground master, `workers` worker processes, no access
 * log, every path inside `dir`. The upstream answers GET /api/** with the same body as the Node
 * upstream and refuses a request without the provider key (403), as the Node upstream does; with
 * `largeFile` it also serves that file at STREAM_UPSTREAM_PATH.
 */
export function nginxConfigText(options: NginxConfigOptions): string {
  const { dir } = options;
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(dir, `${kind}-temp`)};`)
    .join('\n');
  const server =
    options.role === 'upstream'
      ? `    location /api/ {
      if ($http_${PROVIDER_HEADER.replaceAll('-', '_')} != ${quoted(options.secret)}) { return 403; }
      default_type application/json;
      return 200 ${quoted(UPSTREAM_BODY)};
    }${
      options.largeFile === undefined
        ? ''
        : `
    location = ${STREAM_UPSTREAM_PATH} {
      default_type application/json;
      alias ${options.largeFile};
    }`
    }
    location / { return 404; }`
      : `    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header ${PROVIDER_HEADER} ${quoted(options.secret)};
    }`;
  const upstreamBlock =
    options.role === 'proxy'
      ? `  upstream backend {
    server 127.0.0.1:${options.upstreamPort ?? 0};
    keepalive 128;
    keepalive_requests 1000000;
  }\n`
      : '';
  return `# Written by bench/run.ts (${options.role}); probes ${BENCH_PATH}.
daemon off;
master_process on;
worker_processes ${options.workers};
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
${temp}
${upstreamBlock}  server {
    listen 127.0.0.1:${options.port};
${server}
  }
}
`;
}

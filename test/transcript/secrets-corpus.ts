/**
 * Realistic secrets of every kind the redactor must hide (issue 12, finding 9), each in the
 * text a host would print it in: env dumps, `nginx -T`, IMDS JSON, `curl -v` headers, argv,
 * URLs, config files, key blocks. None is a real credential: each is made up for this file,
 * in its vendor's documented shape.
 *
 * `secrets`: what must not be in the redacted text (nor any 4+ character run of letters and
 * digits of it). `keep`: what must still be there (the name of the key, the URL's host, …).
 * `argv`: the text is a command line given as an argv array (redacted as the recorder does).
 */
export interface SecretCase {
  readonly kind: string;
  readonly text: string;
  readonly secrets: readonly string[];
  readonly keep?: readonly string[];
  readonly argv?: readonly string[];
}

const imds = (id: string, secret: string, token: string, compact = false) =>
  compact
    ? `{"Code":"Success","LastUpdated":"2026-11-24T09:12:44Z","Type":"AWS-HMAC","AccessKeyId":"${id}","SecretAccessKey":"${secret}","Token":"${token}","Expiration":"2026-11-24T15:31:09Z"}`
    : [
        '{',
        '  "Code" : "Success",',
        '  "LastUpdated" : "2026-11-24T09:12:44Z",',
        '  "Type" : "AWS-HMAC",',
        `  "AccessKeyId" : "${id}",`,
        `  "SecretAccessKey" : "${secret}",`,
        `  "Token" : "${token}",`,
        '  "Expiration" : "2026-11-24T15:31:09Z"',
        '}',
      ].join('\n');

const PGP_BODY = [
  'lQVYBGVxQ2kBDADHq0m1ZpR7cT3wXk9uJv4bN8sL2eYd6fGh0aQi5oKj1lMn7rSt',
  'uV3wXy9zA2bC4dE6fG8hI0jK2lM4nO6pQ8rS0tU2vW4xY6zA8bC0dE2fG4hI6jK8',
  'Zq7Lm2Np4Rs6Tu8Vw0Xy2Za4Bc6De8Fg0Hi2Jk4Lm6No8Pq0Rs2Tu4Vw6Xy8Za0Bc',
  '=Kq3T',
];
const PPK_PRIVATE = ['AAABAQCq9vZk3Lr7Tq2Wm5Yp8Xn1Bc4Df7Gh0Jk3Lm6No9Pq2Rs5Tu8Vw1Xy4Za7Bc', 'Qm4Tn7Wp0Zs3Vu6Yx9Ab2De5Gh8Jk1Mn4Pq7St0Vw3Yz6Bc9Ef2Hi5Kl8No1Qr4Tu'];
const PPK_MAC = '7f3c9a1e5b2d8f4a6c0e9b3d7f1a5c8e2b6d0f4a';

export const CORPUS: readonly SecretCase[] = [
  // ── IMDS / STS: the secret access key (and the session token) beside the access key id ──
  {
    kind: 'imds-secret-access-key',
    text: `$ curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/web-role\n${imds('ASIAQX7EXAMPLE4K2LMN', 'kW9r/Tq2Lx7+Vb4Nz1Pc8Ym3Hd6Jf0Sg5Ua2Re7Wi', 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDxT9kz4mPq')}`,
    secrets: ['kW9r/Tq2Lx7+Vb4Nz1Pc8Ym3Hd6Jf0Sg5Ua2Re7Wi', 'ASIAQX7EXAMPLE4K2LMN', 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDxT9kz4mPq'],
    keep: ['"SecretAccessKey" : "', '"Expiration" : "2026-11-24T15:31:09Z"'],
  },
  {
    kind: 'imds-secret-access-key',
    text: imds('ASIAZR4EXAMPLE8QW2ER', 'Bq3mZ8vT1xW5nK9pL2cR7fY4hD0jS6gU3aE8iO1t', 'FwoGZXIvYXdzEBYaDGk3bT9xQ2Lm8Rz5Vn4yKq7', true),
    secrets: ['Bq3mZ8vT1xW5nK9pL2cR7fY4hD0jS6gU3aE8iO1t', 'FwoGZXIvYXdzEBYaDGk3bT9xQ2Lm8Rz5Vn4yKq7'],
    keep: ['"SecretAccessKey":"'],
  },
  {
    kind: 'imds-secret-access-key',
    // aws sts assume-role --output json
    text: [
      '{',
      '    "Credentials": {',
      '        "AccessKeyId": "ASIAVB2EXAMPLE7TY5UI",',
      '        "SecretAccessKey": "p7Xc2Wq9/Ln4Rt8+Kz1Mv6Bs3Yh0Jd5Gf2Ue9Ia4",',
      '        "SessionToken": "IQoJb3JpZ2luX2VjEMz9Vq2Rt8Lw4Ny6Pk1Hs3Jd5Fg7",',
      '        "Expiration": "2026-11-24T16:00:00+00:00"',
      '    },',
      '    "AssumedRoleUser": { "Arn": "arn:aws:sts::123456789012:assumed-role/deploy/tshoot" }',
      '}',
    ].join('\n'),
    secrets: ['p7Xc2Wq9/Ln4Rt8+Kz1Mv6Bs3Yh0Jd5Gf2Ue9Ia4', 'IQoJb3JpZ2luX2VjEMz9Vq2Rt8Lw4Ny6Pk1Hs3Jd5Fg7', 'ASIAVB2EXAMPLE7TY5UI'],
    keep: ['"SecretAccessKey": "', 'assumed-role/deploy/tshoot'],
  },
  {
    kind: 'imds-secret-access-key',
    text: '[default]\naws_access_key_id = AKIAJT5EXAMPLE2WS8XD\naws_secret_access_key = Hv8Lq3Zx6Tn1Wr4Yp9Kc2Bm7Jf5Gd0Su3Ea8Oi6N\nregion = eu-west-1',
    secrets: ['Hv8Lq3Zx6Tn1Wr4Yp9Kc2Bm7Jf5Gd0Su3Ea8Oi6N', 'AKIAJT5EXAMPLE2WS8XD'],
    keep: ['aws_secret_access_key = ', 'region = eu-west-1'],
  },
  // ── AWS access key ids alone ──
  { kind: 'aws-access-key-id', text: 'export AWS_ACCESS_KEY_ID=AKIAQW3EXAMPLE9RT6YU', secrets: ['AKIAQW3EXAMPLE9RT6YU'] },
  { kind: 'aws-access-key-id', text: 'Credential=AKIAPL8EXAMPLE1KJ4HG/20261124/us-east-1/s3/aws4_request', secrets: ['AKIAPL8EXAMPLE1KJ4HG'] },
  { kind: 'aws-access-key-id', text: 'error: The security token included in the request is invalid (key ASIAMN6EXAMPLE3BV7CX)', secrets: ['ASIAMN6EXAMPLE3BV7CX'] },
  // ── PGPASSWORD ──
  {
    kind: 'pgpassword',
    text: 'HOME=/var/lib/postgresql\nPGHOST=db.internal\nPGUSER=app\nPGPASSWORD=Vx9#qL2m/Tz@4wR8\nPGDATABASE=orders\nPATH=/usr/local/bin:/usr/bin',
    secrets: ['Vx9#qL2m/Tz@4wR8'],
    keep: ['PGPASSWORD=', 'PGDATABASE=orders'],
  },
  {
    kind: 'pgpassword',
    text: 'postgres  4242  0.0  0.1  21300  5120 ?  Ss  09:12  0:00 sh -c PGPASSWORD=Kd7pW3xQ9zRm pg_dump -h 10.0.3.7 -U app orders',
    secrets: ['Kd7pW3xQ9zRm'],
    keep: ['PGPASSWORD=', 'pg_dump -h 10.0.3.7'],
  },
  {
    kind: 'pgpassword',
    text: '            "Env": [\n                "PGPASSWORD=Zt4 Lq8 Wm2 Xr6",\n                "PGSSLMODE=require"\n            ],',
    secrets: ['Zt4 Lq8 Wm2 Xr6'],
    keep: ['"PGPASSWORD=', '"PGSSLMODE=require"'],
  },
  // ── *_PASS ──
  { kind: 'pass-suffix', text: 'DB_HOST=mysql\nDB_USER=wordpress\nDB_PASS=Jq8zN3vX7kLp\nDB_NAME=wp', secrets: ['Jq8zN3vX7kLp'], keep: ['DB_PASS=', 'DB_NAME=wp'] },
  { kind: 'pass-suffix', text: 'Environment=SMTP_USER=mailer SMTP_PASS=Wr5tY8uI2oPq MAIL_FROM=noreply@example.com', secrets: ['Wr5tY8uI2oPq'], keep: ['SMTP_PASS=', 'MAIL_FROM=noreply@example.com'] },
  { kind: 'pass-suffix', text: 'export REDIS_PASS="Hb6 Nm2 Qz9"\nexport SSHPASS=Gf3Dk8Lp1Zx', secrets: ['Hb6 Nm2 Qz9', 'Gf3Dk8Lp1Zx'], keep: ['REDIS_PASS="', 'SSHPASS='] },
  // ── SECRET_KEY, SECRET_KEY_BASE ──
  { kind: 'secret-key', text: "DEBUG = False\nSECRET_KEY = 'django-insecure-7x#k2@m9!qz$w4(v8)p1&r6^t3'\nALLOWED_HOSTS = ['app.example.com']", secrets: ['django-insecure-7x#k2@m9!qz$w4(v8)p1&r6^t3'], keep: ["SECRET_KEY = '", 'ALLOWED_HOSTS'] },
  {
    kind: 'secret-key',
    text: 'RAILS_ENV=production\nSECRET_KEY_BASE=9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170\nRAILS_LOG_TO_STDOUT=1',
    secrets: ['9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170'],
    keep: ['SECRET_KEY_BASE=', 'RAILS_LOG_TO_STDOUT=1'],
  },
  { kind: 'secret-key', text: 'flask[812]: config SECRET_KEY=Pz4;Xw8,Rt2"Kq6 loaded from /etc/app/env', secrets: ['Pz4;Xw8,Rt2"Kq6'], keep: ['SECRET_KEY=', 'loaded from /etc/app/env'] },
  // ── Stripe ──
  { kind: 'stripe', text: 'STRIPE_KEY=sk_live_51Hx7Lq2Zm9Wt4Rv8Nc3Kp6Yb1Jd5Gf0', secrets: ['sk_live_51Hx7Lq2Zm9Wt4Rv8Nc3Kp6Yb1Jd5Gf0'] },
  { kind: 'stripe', text: 'payments: charge failed for key sk_live_4eC39HqLyjWDarjtT1zdp7dc: card_declined', secrets: ['sk_live_4eC39HqLyjWDarjtT1zdp7dc'], keep: ['card_declined'] },
  { kind: 'stripe', text: '  "stripe": { "secret": "rk_live_51Mz8Qw3Er6Ty9Ui2Op5As", "webhook": "whsec_Kq7Zx2Lm9Wt4Rv8Nc3Yb6Jd1" }', secrets: ['rk_live_51Mz8Qw3Er6Ty9Ui2Op5As', 'whsec_Kq7Zx2Lm9Wt4Rv8Nc3Yb6Jd1'] },
  // ── GitLab ──
  { kind: 'gitlab', text: 'remote: HTTP Basic: Access denied for glpat-xK8mZ2qL9vT4wR7nB3cY', secrets: ['glpat-xK8mZ2qL9vT4wR7nB3cY'] },
  { kind: 'gitlab', text: '$ git remote -v\norigin\thttps://oauth2:glpat-Zq4Lm8Xw2Rt6Yp1Nc9Kb@gitlab.example.com/ops/site.git (fetch)', secrets: ['glpat-Zq4Lm8Xw2Rt6Yp1Nc9Kb'], keep: ['gitlab.example.com/ops/site.git'] },
  { kind: 'gitlab', text: 'PRIVATE-TOKEN: glpat-Wm3Kx7Lq1Zt5Rv9Nb2Yc\nCI_JOB_TOKEN=glcbt-64_Hq2Wm7Zx3Lt8Rv1Nb5Yc9Kp', secrets: ['glpat-Wm3Kx7Lq1Zt5Rv9Nb2Yc', 'glcbt-64_Hq2Wm7Zx3Lt8Rv1Nb5Yc9Kp'], keep: ['PRIVATE-TOKEN: '] },
  // ── Slack webhooks ──
  { kind: 'slack-webhook', text: 'ALERT_WEBHOOK=https://hooks.slack.com/services/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', secrets: ['T0A1B2C3D/B4E5F6G7H/Zq8Lm3Xw9Rt2Yp7Nc4Kb1Vd6'], keep: ['hooks.slack.com'] },
  { kind: 'slack-webhook', text: '> POST /services/T9Z8Y7X6W/B5V4U3T2S/Kq3Wm8Zx2Lt7Rv1Nb6Yc9Pd4 HTTP/1.1\n* Connected to hooks.slack.com (3.33.1.1) port 443\ncurl -X POST https://hooks.slack.com/services/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', secrets: ['Kq3Wm8Zx2Lt7Rv1Nb6Yc9Pd4'] },
  { kind: 'slack-webhook', text: 'notify:\n  slack_url: "https://hooks.slack.com/workflows/T1Q2W3E4R/A5T6Y7U8I/Hz3Lp8Wq2Mx7Rv4Kt9Nb1"', secrets: ['Hz3Lp8Wq2Mx7Rv4Kt9Nb1'] },
  // ── npm ──
  { kind: 'npm', text: '$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken=npm_Zq8Lm3Xw9Rt2Yp7Nc4Kb1Vd6Hf5Gj0Ts3Ua8\nfund=false', secrets: ['npm_Zq8Lm3Xw9Rt2Yp7Nc4Kb1Vd6Hf5Gj0Ts3Ua8'], keep: ['_authToken=', 'fund=false'] },
  { kind: 'npm', text: 'NPM_TOKEN=npm_Kx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2Ua7', secrets: ['npm_Kx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2Ua7'] },
  { kind: 'npm', text: 'npm ERR! 403 Forbidden - token npm_Lq9Zx4Wm8Rt3Yp6Nc1Kb7Vd2Hf5Gj0Ts4Ua9 has expired', secrets: ['npm_Lq9Zx4Wm8Rt3Yp6Nc1Kb7Vd2Hf5Gj0Ts4Ua9'], keep: ['has expired'] },
  // ── OpenAI ──
  { kind: 'openai', text: 'OPENAI_API_KEY=sk-proj-Zq8Lm3Xw9Rt2Yp7Nc4Kb1Vd6Hf5Gj0Ts3Ua8EwQ2', secrets: ['sk-proj-Zq8Lm3Xw9Rt2Yp7Nc4Kb1Vd6Hf5Gj0Ts3Ua8EwQ2'] },
  { kind: 'openai', text: 'openai.AuthenticationError: Incorrect API key provided: sk-proj-Kx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2Ua7E.', secrets: ['sk-proj-Kx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2Ua7E'] },
  { kind: 'openai', text: '{"model":"gpt-4o","api_key":"sk-proj-Pw4Lq9Zx2Mt7Rv3Nb8Yc1Kd6Hf0Gj5Ts9Ua3E"}', secrets: ['sk-proj-Pw4Lq9Zx2Mt7Rv3Nb8Yc1Kd6Hf0Gj5Ts9Ua3E'] },
  // ── Google API keys ──
  { kind: 'google-api-key', text: 'GET /maps/api/geocode/json?address=Paris&key=AIzaSyD8Zq3Lm9Xw2Rt7Yp4Nc1Kb6Vd0Hf5GjQx HTTP/1.1', secrets: ['AIzaSyD8Zq3Lm9Xw2Rt7Yp4Nc1Kb6Vd0Hf5GjQx'] },
  { kind: 'google-api-key', text: 'const firebaseConfig = { apiKey: "AIzaSyKx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2", authDomain: "demo.firebaseapp.com" };', secrets: ['AIzaSyKx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2'], keep: ['demo.firebaseapp.com'] },
  { kind: 'google-api-key', text: 'X-Goog-Api-Key: AIzaSyLq9Zx4Wm8Rt3Yp6Nc1Kb7Vd2Hf5Gj0Ts4', secrets: ['AIzaSyLq9Zx4Wm8Rt3Yp6Nc1Kb7Vd2Hf5Gj0Ts4'], keep: ['X-Goog-Api-Key: '] },
  // ── Vault ──
  { kind: 'vault', text: 'VAULT_TOKEN=hvs.CAESIJq8Zx3Lm9Wt2Rv7Yp4Nc1Kb6Vd0Hf5Gj', secrets: ['hvs.CAESIJq8Zx3Lm9Wt2Rv7Yp4Nc1Kb6Vd0Hf5Gj'] },
  { kind: 'vault', text: '$ vault login\ntoken                hvs.CAESIKx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0T\ntoken_accessor       4f0c2a7e-accessor-not-secret', secrets: ['hvs.CAESIKx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0T'], keep: ['token_accessor'] },
  { kind: 'vault', text: '> X-Vault-Token: hvs.CAESIPw4Lq9Zx2Mt7Rv3Nb8Yc1Kd6Hf0Gj5Ts9', secrets: ['hvs.CAESIPw4Lq9Zx2Mt7Rv3Nb8Yc1Kd6Hf0Gj5Ts9'], keep: ['> X-Vault-Token: '] },
  // ── Sentry DSNs ──
  { kind: 'sentry-dsn', text: 'SENTRY_DSN=https://3f7a9c1e5b2d4f8a6c0e9b3d7f1a5c8e@o450213.ingest.sentry.io/5512346', secrets: ['3f7a9c1e5b2d4f8a6c0e9b3d7f1a5c8e'], keep: ['SENTRY_DSN='] },
  { kind: 'sentry-dsn', text: "Sentry.init({ dsn: 'https://8b2d6f0a4c8e2b6d0f4a8c2e6b0d4f8a@o123.ingest.us.sentry.io/42', tracesSampleRate: 0.1 });", secrets: ['8b2d6f0a4c8e2b6d0f4a8c2e6b0d4f8a'], keep: ['tracesSampleRate'] },
  { kind: 'sentry-dsn', text: 'raven: sending event to https://1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d:9f8e7d6c5b4a39281706f5e4d3c2b1a0@sentry.example.org/7 failed', secrets: ['1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d', '9f8e7d6c5b4a39281706f5e4d3c2b1a0'], keep: ['sentry.example.org/7 failed'] },
  // ── Cookie / Set-Cookie ──
  { kind: 'cookie', text: '> GET /admin HTTP/1.1\n> Host: app.example.com\n> Cookie: sessionid=q8zL3mX9wR2tY7pN; csrftoken=Kb1Vd6Hf5Gj0Ts3U\n> Accept: */*', secrets: ['q8zL3mX9wR2tY7pN', 'Kb1Vd6Hf5Gj0Ts3U'], keep: ['> Cookie: ', '> Accept: */*'] },
  { kind: 'cookie', text: '< HTTP/1.1 302 Found\n< Set-Cookie: laravel_session=eyZx2Wm7Zq3Lt8Rv1Nb5Yc9; expires=Tue, 24-Nov-2026 11:12:44 GMT; path=/; httponly\n< Location: /login', secrets: ['eyZx2Wm7Zq3Lt8Rv1Nb5Yc9'], keep: ['< Set-Cookie: ', '< Location: /login'] },
  { kind: 'cookie', text: 'curl -s -H "Cookie: PHPSESSID=Lq9Zx4Wm8Rt3Yp6N" https://app.example.com/cart', secrets: ['Lq9Zx4Wm8Rt3Yp6N'], keep: ['https://app.example.com/cart'] },
  // ── X-Api-Key and friends ──
  { kind: 'x-api-key', text: '> POST /v1/orders HTTP/1.1\n> X-Api-Key: 7Hq2Wm8Zx3Lt9Rv4Nb1Yc6Pd\n> Content-Type: application/json', secrets: ['7Hq2Wm8Zx3Lt9Rv4Nb1Yc6Pd'], keep: ['> X-Api-Key: ', '> Content-Type: application/json'] },
  { kind: 'x-api-key', text: "curl -H 'x-api-key: Zq4Lm8Xw2Rt6Yp1Nc9Kb3V' https://api.example.com/v2/status", secrets: ['Zq4Lm8Xw2Rt6Yp1Nc9Kb3V'], keep: ['https://api.example.com/v2/status'] },
  { kind: 'x-api-key', text: '    add_header X-Api-Key "Wm3Kx7Lq1Zt5Rv9Nb2Yc";\n    proxy_set_header X-Auth-Token Pd4Hf6Gj0Ts2Ua7E;', secrets: ['Wm3Kx7Lq1Zt5Rv9Nb2Yc', 'Pd4Hf6Gj0Ts2Ua7E'], keep: ['add_header X-Api-Key "', 'proxy_set_header X-Auth-Token '] },
  // ── argv: --password VALUE ──
  { kind: 'argv-long-password', text: '', argv: ['mysqldump', '--user', 'backup', '--password', 'Tq7#Lm2@Zx9/Wr', '--all-databases'], secrets: ['Tq7#Lm2@Zx9/Wr'], keep: ['--all-databases'] },
  { kind: 'argv-long-password', text: 'root  1337  docker login --username deploy --password Kx8Lq3Zm7Wt2Rv registry.example.com', secrets: ['Kx8Lq3Zm7Wt2Rv'], keep: ['registry.example.com'] },
  { kind: 'argv-long-password', text: 'wget --user=ops --password="Hz4 Lp8 Wq2" --http-password=Mx7Rv4Kt9Nb1 https://files.example.com/x.tgz', secrets: ['Hz4 Lp8 Wq2', 'Mx7Rv4Kt9Nb1'], keep: ['--user=ops', 'https://files.example.com/x.tgz'] },
  { kind: 'argv-long-password', text: '', argv: ['mongosh', '--username', 'admin', '--password=Yc6Pd1Hf5Gj0', '--authenticationDatabase', 'admin'], secrets: ['Yc6Pd1Hf5Gj0'], keep: ['--authenticationDatabase'] },
  // ── argv: -p VALUE where -p is a password (and -pVALUE for mysql) ──
  { kind: 'argv-short-password', text: '', argv: ['sshpass', '-p', 'Qw8Er3Ty7Ui2', 'ssh', 'admin@10.0.3.7'], secrets: ['Qw8Er3Ty7Ui2'], keep: ['admin@10.0.3.7'] },
  { kind: 'argv-short-password', text: 'mysql  2201  0.0  0.4 mysql -h db.internal -u root -pXz5Cv9Bn2Mq orders', secrets: ['Xz5Cv9Bn2Mq'], keep: ['orders', '-u root'] },
  { kind: 'argv-short-password', text: '', argv: ['mysqladmin', '-uroot', '-pLk4Jh8Gf1Ds', 'status'], secrets: ['Lk4Jh8Gf1Ds'], keep: ['status'] },
  { kind: 'argv-short-password', text: 'redis     912  redis-cli -h 127.0.0.1 -p 6379 -a Po9Iu4Yt7Re2 ping', secrets: ['Po9Iu4Yt7Re2'], keep: ['-p 6379', 'ping'] },
  { kind: 'argv-short-password', text: 'mongo --host db1 -u admin -p Mn3Bv7Cx2Za8 --authenticationDatabase admin', secrets: ['Mn3Bv7Cx2Za8'], keep: ['--authenticationDatabase admin'] },
  // ── curl -u user:password ──
  { kind: 'curl-user', text: '', argv: ['curl', '-sS', '-u', 'deploy:Rt5Yu9Io3Pa7', 'https://ci.example.com/api/json'], secrets: ['Rt5Yu9Io3Pa7'], keep: ['deploy:', 'https://ci.example.com/api/json'] },
  { kind: 'curl-user', text: 'ops  5150  curl -k --user admin:Zx3/Cv8@Bn1 https://10.0.3.7:8443/status', secrets: ['Zx3/Cv8@Bn1'], keep: ['admin:', 'https://10.0.3.7:8443/status'] },
  { kind: 'curl-user', text: '$ curl -uelastic:Gh6Jk1Lm4Np9 http://localhost:9200/_cluster/health\n$ curl --proxy-user squid:Wq7Er2Ty5Ui8 -x http://proxy:3128 https://example.com', secrets: ['Gh6Jk1Lm4Np9', 'Wq7Er2Ty5Ui8'], keep: ['_cluster/health', 'http://proxy:3128'] },
  // ── PGP private keys ──
  {
    kind: 'pgp-private-key',
    text: ['$ gpg --export-secret-keys --armor ops@example.com', '-----BEGIN PGP PRIVATE KEY BLOCK-----', '', ...PGP_BODY, '-----END PGP PRIVATE KEY BLOCK-----', '$ echo done'].join('\n'),
    secrets: PGP_BODY,
    keep: ['$ echo done'],
  },
  {
    kind: 'pgp-private-key',
    text: ['-----BEGIN PGP PRIVATE KEY BLOCK-----', 'Version: GnuPG v2', 'Comment: backup key', '', 'mQINBGVxQ2kBEACq8Zx3Lm9Wt2Rv7Yp4Nc1Kb6Vd0Hf5GjTs3Ua8EwQ2Lp7Mx4Rk', 'Yc6Pd1Hf5Gj0Ts2Ua7EKx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2Ua7EKx2Wm7Zq'].join('\n'),
    secrets: ['mQINBGVxQ2kBEACq8Zx3Lm9Wt2Rv7Yp4Nc1Kb6Vd0Hf5GjTs3Ua8EwQ2Lp7Mx4Rk', 'Yc6Pd1Hf5Gj0Ts2Ua7EKx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2Ua7EKx2Wm7Zq'],
  },
  {
    kind: 'pgp-private-key',
    text: '{"name":"signing","armored":"-----BEGIN PGP PRIVATE KEY BLOCK-----\\n\\nlQOYBGVxUz8BCADk9Wq2Lm7Zx3Rt8Yp1Nc4Kb6Vd0Hf5GjTs3Ua8Ew\\n=Xq2P\\n-----END PGP PRIVATE KEY BLOCK-----\\n","id":7}',
    secrets: ['lQOYBGVxUz8BCADk9Wq2Lm7Zx3Rt8Yp1Nc4Kb6Vd0Hf5GjTs3Ua8Ew'],
    keep: ['"id":7}'],
  },
  // ── PuTTY private keys ──
  {
    kind: 'putty-private-key',
    text: [
      '$ cat ~/keys/deploy.ppk',
      'PuTTY-User-Key-File-3: ssh-rsa',
      'Encryption: none',
      'Comment: deploy@build',
      'Public-Lines: 1',
      'AAAAB3NzaC1yc2EAAAADAQABAAABAQC7',
      'Private-Lines: 2',
      ...PPK_PRIVATE,
      `Private-MAC: ${PPK_MAC}`,
      '$ ls',
    ].join('\n'),
    secrets: [...PPK_PRIVATE, PPK_MAC],
    keep: ['PuTTY-User-Key-File-3: ssh-rsa', '$ ls'],
  },
  {
    kind: 'putty-private-key',
    text: ['PuTTY-User-Key-File-2: ssh-ed25519', 'Encryption: aes256-cbc', 'Comment: eddsa-key-20261124', 'Public-Lines: 2', 'AAAAC3NzaC1lZDI1NTE5AAAAIHq8Zx3Lm9Wt2Rv7Yp4', 'Nc1Kb6Vd0Hf5', 'Private-Lines: 1', 'Wq9Ez4Rt7Yu2Io5Pa8Sd3Fg6Hj1Kl0Zx4Cv7Bn2Mq5', 'Private-MAC: 1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d'].join('\n'),
    secrets: ['Wq9Ez4Rt7Yu2Io5Pa8Sd3Fg6Hj1Kl0Zx4Cv7Bn2Mq5', '1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d'],
    keep: ['PuTTY-User-Key-File-2: ssh-ed25519'],
  },
  {
    kind: 'putty-private-key',
    // Cut short by truncated output: what there is of it is still hidden.
    text: ['PuTTY-User-Key-File-3: ecdsa-sha2-nistp256', 'Encryption: none', 'Comment: cut', 'Public-Lines: 1', 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY', 'Private-Lines: 1', 'Tg5Yh1Uj7Ik3Ol9Pz2Xs6Dc4Fv8Gb0Nh'].join('\n'),
    secrets: ['Tg5Yh1Uj7Ik3Ol9Pz2Xs6Dc4Fv8Gb0Nh'],
  },
  // ── redis://:password@ ──
  { kind: 'redis-url', text: 'REDIS_URL=redis://:Jh4Kl8Mn2Bv6@cache.internal:6379/0', secrets: ['Jh4Kl8Mn2Bv6'], keep: ['cache.internal:6379/0'] },
  { kind: 'redis-url', text: 'Error: connect ECONNREFUSED redis://:Xc7Vb3Nm9Qw1@10.0.4.2:6380', secrets: ['Xc7Vb3Nm9Qw1'], keep: ['10.0.4.2:6380'] },
  { kind: 'redis-url', text: '  cache:\n    url: "rediss://default:Pl0Ok9Ij8Uh7@redis-12345.c1.cloud.redislabs.com:12345"', secrets: ['Pl0Ok9Ij8Uh7'], keep: ['redislabs.com:12345'] },
  // ── passwords holding / or @ ──
  { kind: 'password-slash-at', text: 'DATABASE_URL=postgres://app:Qz8/Lm3@Xw9@db.internal:5432/orders?sslmode=require', secrets: ['Qz8/Lm3@Xw9'], keep: ['db.internal:5432/orders?sslmode=require'] },
  { kind: 'password-slash-at', text: 'amqp://guest:Rt2@Yp7/Nc4Kb@rabbit.internal:5672/%2F', secrets: ['Rt2@Yp7/Nc4Kb'], keep: ['rabbit.internal:5672'] },
  { kind: 'password-slash-at', text: 'ADMIN_PASSWORD=Vd6/Hf5@Gj0+Ts3\nmail_password: Ua8@Ew/Q2Lp', secrets: ['Vd6/Hf5@Gj0+Ts3', 'Ua8@Ew/Q2Lp'], keep: ['ADMIN_PASSWORD=', 'mail_password: '] },
  // ── values holding ; , " ──
  { kind: 'value-delimiters', text: 'DB_PASSWORD=Mx4;Rk7,Zq2"Wt9\nDB_PORT=5432', secrets: ['Mx4;Rk7,Zq2"Wt9'], keep: ['DB_PORT=5432'] },
  { kind: 'value-delimiters', text: '{"db": {"user": "app", "password": "Lq3\\"Zx8;Wm2,Rt7", "pool": 5}}', secrets: ['Lq3\\"Zx8;Wm2,Rt7'], keep: ['"pool": 5'] },
  { kind: 'value-delimiters', text: "db.password = 'Np5;Kt1, Vr6\"Yb3'\ndb.url = jdbc:postgresql://db:5432/app", secrets: ['Np5;Kt1, Vr6"Yb3'], keep: ['jdbc:postgresql://db:5432/app'] },
  { kind: 'value-delimiters', text: 'Server=tcp:sql.example.net,1433;Database=app;User ID=svc;Password=Hq8,Zx3;Lm9;Encrypt=True', secrets: ['Hq8,Zx3'], keep: ['Server=tcp:sql.example.net,1433'] },
  // ── nginx -T: proxy_set_header Authorization "Basic …" ──
  {
    kind: 'nginx-auth-header',
    text: '# configuration file /etc/nginx/sites-enabled/api.conf:\nserver {\n    listen 80;\n    location /upstream/ {\n        proxy_set_header Authorization "Basic ZGVwbG95OlJ0NVl1OUlvM1BhNw==";\n        proxy_pass http://10.0.3.9:8080;\n    }\n}',
    secrets: ['ZGVwbG95OlJ0NVl1OUlvM1BhNw=='],
    keep: ['proxy_set_header Authorization "', 'proxy_pass http://10.0.3.9:8080;'],
  },
  { kind: 'nginx-auth-header', text: '        proxy_set_header Authorization "Bearer Tz9Lq4Wm8Xr2Kp6Nc1Vb";', secrets: ['Tz9Lq4Wm8Xr2Kp6Nc1Vb'] },
  { kind: 'nginx-auth-header', text: "location / { proxy_set_header Proxy-Authorization 'Basic c3F1aWQ6V3E3RXIyVHk1VWk4'; proxy_pass http://backend; }", secrets: ['c3F1aWQ6V3E3RXIyVHk1VWk4'], keep: ['proxy_pass http://backend;'] },
  // ── nginx -T: fastcgi_param DB_PASSWORD … ──
  {
    kind: 'nginx-fastcgi-param',
    text: '    location ~ \\.php$ {\n        include fastcgi_params;\n        fastcgi_param DB_PASSWORD Yx3Wq8Lm2Zt7;\n        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n        fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n    }',
    secrets: ['Yx3Wq8Lm2Zt7'],
    keep: ['fastcgi_param DB_PASSWORD ', 'fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;'],
  },
  { kind: 'nginx-fastcgi-param', text: '        fastcgi_param APP_SECRET "Kq5 Lz9;Wm3";\n        uwsgi_param API_TOKEN Rv8Nb2Yc6Pd1;', secrets: ['Kq5 Lz9;Wm3', 'Rv8Nb2Yc6Pd1'], keep: ['uwsgi_param API_TOKEN '] },
  { kind: 'nginx-fastcgi-param', text: '    SetEnv DB_PASSWORD Hf0Gj5Ts9Ua3\n    RequestHeader set X-Api-Key "Lp7Mx4Rk2Qw9"', secrets: ['Hf0Gj5Ts9Ua3', 'Lp7Mx4Rk2Qw9'], keep: ['SetEnv DB_PASSWORD ', 'RequestHeader set X-Api-Key "'] },
  // ── nginx -T: set $api_key … ──
  { kind: 'nginx-set', text: '    set $api_key "Zt6Wq1Lm5Xr9";\n    proxy_set_header X-Api-Key $api_key;', secrets: ['Zt6Wq1Lm5Xr9'], keep: ['proxy_set_header X-Api-Key $api_key;'] },
  { kind: 'nginx-set', text: 'server { set $upstream_token Kc4Vb8Nm2Qx6; set $backend http://10.0.3.9; }', secrets: ['Kc4Vb8Nm2Qx6'], keep: ['set $backend http://10.0.3.9;'] },
  { kind: 'nginx-set', text: "    if ($http_x_api_key != 'Rw3Et8Yu1Io6') { return 401; }", secrets: ['Rw3Et8Yu1Io6'], keep: ['return 401;'] },
  // ── requirepass / masterauth ──
  { kind: 'redis-requirepass', text: '# redis.conf\nbind 127.0.0.1\nport 6379\nrequirepass Fx8/Dc3@Sv7\nmaxmemory 256mb', secrets: ['Fx8/Dc3@Sv7'], keep: ['requirepass ', 'maxmemory 256mb'] },
  { kind: 'redis-requirepass', text: 'masterauth "Gb2 Hn6 Jm0"\nreplicaof 10.0.4.2 6379', secrets: ['Gb2 Hn6 Jm0'], keep: ['replicaof 10.0.4.2 6379'] },
  { kind: 'redis-requirepass', text: '$ redis-cli CONFIG GET requirepass\nrequirepass\nQa5Ws9Ed3Rf7', secrets: ['Qa5Ws9Ed3Rf7'] },
  // ── PEM private keys ──
  {
    kind: 'pem-private-key',
    text: '$ sudo cat /etc/ssl/private/site.key\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Zx3Lm9Wt2Rv\nYp4Nc1Kb6Vd0Hf5GjTs3Ua8EwQ2Lp7Mx4RkYc6Pd1Hf5Gj0Ts2Ua7EKx2Wm7Zq3\n-----END PRIVATE KEY-----\n$ ',
    secrets: ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Zx3Lm9Wt2Rv', 'Yp4Nc1Kb6Vd0Hf5GjTs3Ua8EwQ2Lp7Mx4RkYc6Pd1Hf5Gj0Ts2Ua7EKx2Wm7Zq3'],
  },
  { kind: 'pem-private-key', text: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBq8Zx3Lm9Wt2Rv7Yp4Nc1Kb6Vd0Hf5GjTs', secrets: ['b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW', 'QyNTUxOQAAACBq8Zx3Lm9Wt2Rv7Yp4Nc1Kb6Vd0Hf5GjTs'] },
  { kind: 'pem-private-key', text: '  "private_key": "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEAq8Zx3Lm9Wt2Rv7Yp4Nc1Kb6Vd0Hf5GjTs3Ua8Ew\\n-----END RSA PRIVATE KEY-----\\n",', secrets: ['MIIEpAIBAAKCAQEAq8Zx3Lm9Wt2Rv7Yp4Nc1Kb6Vd0Hf5GjTs3Ua8Ew'] },
  // ── Authorization headers ──
  { kind: 'authorization-header', text: '> GET /api/v1/pods HTTP/1.1\n> Host: 10.0.0.1:6443\n> Authorization: Basic YWRtaW46Wng1Q3Y5Qm4yTXE=\n> User-Agent: curl/8.5.0', secrets: ['YWRtaW46Wng1Q3Y5Qm4yTXE='], keep: ['> Authorization: ', '> User-Agent: curl/8.5.0'] },
  { kind: 'authorization-header', text: 'Authorization: AWS4-HMAC-SHA256 Credential=AKIAQW3EXAMPLE9RT6YU/20261124/us-east-1/s3/aws4_request, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024', secrets: ['fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024', 'AKIAQW3EXAMPLE9RT6YU'] },
  { kind: 'authorization-header', text: '', argv: ['curl', '-sS', '-H', 'Authorization: token Zq4Lm8Xw2Rt6Yp1Nc9Kb3Vd7', 'https://api.example.com/user'], secrets: ['Zq4Lm8Xw2Rt6Yp1Nc9Kb3Vd7'], keep: ['https://api.example.com/user'] },
  // ── Bearer tokens ──
  { kind: 'bearer', text: 'level=warn msg="upstream rejected" auth="Bearer Wm3Kx7Lq1Zt5Rv9Nb2Yc" status=401', secrets: ['Wm3Kx7Lq1Zt5Rv9Nb2Yc'], keep: ['status=401'] },
  { kind: 'bearer', text: 'kubectl --token Hq2Wm7Zx3Lt8Rv1Nb5Yc9Kp get pods', secrets: ['Hq2Wm7Zx3Lt8Rv1Nb5Yc9Kp'], keep: ['get pods'] },
  { kind: 'bearer', text: 'using bearer Pd4Hf6Gj0Ts2Ua7EKx2W for https://registry.example.com/v2/', secrets: ['Pd4Hf6Gj0Ts2Ua7EKx2W'], keep: ['https://registry.example.com/v2/'] },
  // ── name=value, name: value ──
  { kind: 'name-value', text: 'GET /api/export?format=csv&access_token=Yt8Re3Wq7Zx2&page=2 HTTP/1.1" 200 5120', secrets: ['Yt8Re3Wq7Zx2'], keep: ['&page=2', 'format=csv'] },
  { kind: 'name-value', text: 'oauth:\n  client_id: tshoot-web\n  client_secret: Mn8Bv3Cx7Za2Lk6\n  scope: read', secrets: ['Mn8Bv3Cx7Za2Lk6'], keep: ['client_id: tshoot-web', 'scope: read'] },
  { kind: 'name-value', text: "'password' => 'Jk9Hg4Fd8Sa3', 'host' => 'db'\n<property name=\"db.passphrase\" value=\"Ox7Iu2Yt6Re1\"/>\n<Password>Qp3Wo8Ei4Ru9</Password>", secrets: ['Jk9Hg4Fd8Sa3', 'Ox7Iu2Yt6Re1', 'Qp3Wo8Ei4Ru9'], keep: ["'host' => 'db'"] },
  { kind: 'name-value', text: 'MYSQL_ROOT_PASSWORD=Wz5Xc9Vb3Nm7 REDISCLI_AUTH=Tg4Yh8Uj2Ik6 X_API_KEY=Ol1Pk5Mj9Nh3', secrets: ['Wz5Xc9Vb3Nm7', 'Tg4Yh8Uj2Ik6', 'Ol1Pk5Mj9Nh3'] },
  // ── URL user:password@ ──
  { kind: 'url-userinfo', text: 'origin  https://bot:Ze5Xr9Ct3Vy7@git.example.org/infra/site.git (push)', secrets: ['Ze5Xr9Ct3Vy7'], keep: ['git.example.org/infra/site.git'] },
  { kind: 'url-userinfo', text: '        proxy_pass http://admin:Bu6Ni0Mo4Lp8@127.0.0.1:9000/;', secrets: ['Bu6Ni0Mo4Lp8'], keep: ['127.0.0.1:9000/;'] },
  { kind: 'url-userinfo', text: 'mongodb+srv://app:Kp2Lo6Ji0Hu4@cluster0.ab1cd.mongodb.net/prod?retryWrites=true', secrets: ['Kp2Lo6Ji0Hu4'], keep: ['cluster0.ab1cd.mongodb.net/prod?retryWrites=true'] },
  // ── GitHub tokens ──
  { kind: 'github', text: 'GITHUB_TOKEN=ghp_Zq8Lm3Xw9Rt2Yp7Nc4Kb1Vd6Hf5Gj0Ts3Ua8', secrets: ['ghp_Zq8Lm3Xw9Rt2Yp7Nc4Kb1Vd6Hf5Gj0Ts3Ua8'] },
  { kind: 'github', text: 'https://x-access-token:ghs_Kx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2U@github.com/org/repo', secrets: ['ghs_Kx2Wm7Zq3Lt8Rv1Nb5Yc9Pd4Hf6Gj0Ts2U'], keep: ['github.com/org/repo'] },
  { kind: 'github', text: 'token: github_pat_11AZQ3Y7A0Lq9Zx4Wm8Rt3_Yp6Nc1Kb7Vd2Hf5Gj0Ts4Ua9EwQ2Lp7Mx4Rk', secrets: ['github_pat_11AZQ3Y7A0Lq9Zx4Wm8Rt3_Yp6Nc1Kb7Vd2Hf5Gj0Ts4Ua9EwQ2Lp7Mx4Rk'] },
  // ── Slack tokens ──
  { kind: 'slack-token', text: 'SLACK_BOT_TOKEN=xoxb-2210-4817-Zq8Lm3Xw9Rt2Yp7N', secrets: ['xoxb-2210-4817-Zq8Lm3Xw9Rt2Yp7N'] },
  { kind: 'slack-token', text: 'slack: invalid_auth for xoxp-1234-5678-Kx2Wm7Zq3Lt8', secrets: ['xoxp-1234-5678-Kx2Wm7Zq3Lt8'] },
  { kind: 'slack-token', text: '{"app_token": "xapp-1-A0B1C2D3-4567-Lq9Zx4Wm8Rt3"}', secrets: ['xapp-1-A0B1C2D3-4567-Lq9Zx4Wm8Rt3'] },
  // ── JWTs ──
  { kind: 'jwt', text: 'id_token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ6cTgifQ.Zq8Lm3Xw9Rt2Yp7Nc4Kb1Vd6', secrets: ['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ6cTgifQ.Zq8Lm3Xw9Rt2Yp7Nc4Kb1Vd6'] },
  { kind: 'jwt', text: 'GET /ws?jwt=eyJhbGciOiJIUzI1NiJ9.eyJ1aWQiOjQyfQ.Kx2Wm7Zq3Lt8Rv1Nb5Yc HTTP/1.1', secrets: ['eyJhbGciOiJIUzI1NiJ9.eyJ1aWQiOjQyfQ.Kx2Wm7Zq3Lt8Rv1Nb5Yc'] },
  { kind: 'jwt', text: 'session expired: eyJ0eXAiOiJKV1QifQ.eyJleHAiOjE3fQ.Lq9Zx4Wm8Rt3Yp6Nc1K', secrets: ['eyJ0eXAiOiJKV1QifQ.eyJleHAiOjE3fQ.Lq9Zx4Wm8Rt3Yp6Nc1K'] },
];

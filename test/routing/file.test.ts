import { execFileSync, spawn } from 'node:child_process'
import { join } from 'node:path'
import { test, type Test } from 'tap'
import { loadRoutesFile } from '../../src/routing/file.js'
import type { ReceiverSpec } from '../../src/routing/types.js'

/** Escapes text for use inside a RegExp. */
function literal (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const logRoute = 'routes:\n  - receivers: [ops]\n'

interface ErrorCase {
  name: string
  yaml: string
  env?: NodeJS.ProcessEnv
  /** Files written next to the routes file. */
  files?: Record<string, string | Buffer>
  /** Expected `<path>: <problem>; <fix>` lines, each after the file name. */
  errors: string[]
}

const errorCases: ErrorCase[] = [
  {
    name: 'YAML syntax error',
    yaml: 'receivers:\n  ops: { type: log\nroutes: []\n',
    errors: ['line 3, column 1: Flow map in block collection must be sufficiently indented and end with a }; ' +
      'align the keys and items of each map and list at one column, and end each { or [ with its } or ]']
  },
  {
    name: 'duplicate receiver names',
    yaml: 'receivers:\n  ops:\n    type: log\n  ops:\n    type: log\n' + logRoute,
    errors: ['line 4, column 3: Map keys must be unique; remove or rename the duplicate key']
  },
  {
    name: 'empty file',
    yaml: '',
    errors: ['/: must be object; write a YAML map with receivers and routes']
  },
  {
    name: 'list instead of map',
    yaml: '- receivers: []\n',
    errors: ['/: must be object; write a YAML map with receivers and routes']
  },
  {
    name: 'unknown top-level key',
    yaml: 'receivers:\n  ops: { type: log }\nroutse:\n  - receivers: [ops]\n',
    errors: [
      '/: missing required key "routes"; add routes; the example routes file shows its form',
      '/: unknown key "routse"; did you mean "routes"?'
    ]
  },
  {
    name: 'unknown receiver key with a suggestion',
    yaml: 'receivers:\n  ops: { type: slack, webhook_uri: "${URL}" }\n' + logRoute,
    errors: ['/receivers/ops: unknown key "webhook_uri"; did you mean "webhook_url"?']
  },
  {
    name: 'unknown receiver key listing keys',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret: "${S}", template: { text: x } }\n' + logRoute,
    env: { S: 'secret' },
    errors: ['/receivers/ops: unknown key "template"; remove it; valid keys here: type, url, secret, secret_file, signature_header']
  },
  {
    name: 'unknown receiver type',
    yaml: 'receivers:\n  ops: { type: pager }\n' + logRoute,
    errors: ['/receivers/ops: unknown receiver type "pager"; set type to one of: log, slack, email, sms, webhook, amqp']
  },
  {
    name: 'receiver type not a string',
    yaml: 'receivers:\n  ops: { type: 3 }\n' + logRoute,
    errors: ['/receivers/ops: type must be a string; set type to one of: log, slack, email, sms, webhook, amqp']
  },
  {
    name: 'missing receiver type',
    yaml: 'receivers:\n  ops: { name: x }\n' + logRoute,
    errors: ['/receivers/ops: missing required key "type"; add type: one of log, slack, email, sms, webhook, amqp']
  },
  {
    name: 'invalid receiver name',
    yaml: 'receivers:\n  Ops Team: { type: log }\nroutes:\n  - receivers: [ops]\n',
    errors: ['/receivers: receiver name "Ops Team" is invalid; use lower-case letters, digits, "-" and "_", starting with a letter or digit, at most 64 characters']
  },
  {
    name: 'receiver name too long',
    yaml: `receivers:\n  ${'a'.repeat(65)}: { type: log }\n${logRoute}`,
    errors: [`/receivers: receiver name "${'a'.repeat(65)}" is invalid; use lower-case letters, digits, "-" and "_", starting with a letter or digit, at most 64 characters`]
  },
  {
    name: 'no receivers and no routes',
    yaml: 'receivers: {}\nroutes: []\n',
    errors: [
      '/receivers: must not be empty; define receivers as a map of names to settings, e.g. ops: { type: log }',
      '/routes: must not be empty; list routes, e.g. - receivers: [ops]'
    ]
  },
  {
    name: 'route without receivers',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - name: r\n',
    errors: ['/routes/0: missing required key "receivers"; add receivers; the example routes file shows its form']
  },
  {
    name: 'route to unknown receiver',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - receivers: [opz]\n',
    errors: ['/routes/0/receivers/0: unknown receiver "opz"; did you mean "ops"?']
  },
  {
    name: 'receiver listed twice in a route',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - receivers: [ops, ops]\n',
    errors: ['/routes/0/receivers: must NOT have duplicate items (items ## 1 and 0 are identical); list the names of receivers defined under receivers, each once']
  },
  {
    name: 'duplicate route names',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { name: r, match: { type: a }, receivers: [ops] }\n  - { name: r, receivers: [ops] }\n',
    errors: ['/routes/1/name: duplicate route name "r", also used by /routes/0; give each route a unique name']
  },
  {
    name: 'invalid route name',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { name: Night Shift, receivers: [ops] }\n',
    errors: ['/routes/0/name: must match ^[a-z0-9][a-z0-9_-]*$; use lower-case letters, digits, "-" and "_", starting with a letter or digit']
  },
  {
    name: 'catch-all not last',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - receivers: [ops]\n  - { match: { type: test }, receivers: [ops] }\n',
    errors: ['/routes/0: a route without match takes every notification left, so no route after it would run; move it to the end, or give it a match']
  },
  {
    name: 'default false',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { default: false, receivers: [ops] }\n',
    errors: ['/routes/0/default: must be true; remove default, or set it to true on the last route']
  },
  {
    name: 'unknown route key',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { receivers: [ops], continu: true }\n',
    errors: ['/routes/0: unknown key "continu"; did you mean "continue"?']
  },
  {
    name: 'empty match',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: {}, receivers: [ops] }\n',
    errors: ['/routes/0/match: must not be empty; give at least one field, or remove match to catch every notification left']
  },
  {
    name: 'empty match list',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: [], receivers: [ops] }\n',
    errors: ['/routes/0/match: must not be empty; list at least one match object']
  },
  {
    name: 'unknown match field',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { enviroment: production }, receivers: [ops] }\n',
    errors: ['/routes/0/match: unknown key "enviroment"; did you mean "environment"?']
  },
  {
    name: 'number for a text field',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { application_id: 123 }, receivers: [ops] }\n',
    errors: ['/routes/0/match/application_id: must be string; set a string (quote values that look like numbers), a list or { regex }']
  },
  {
    name: 'empty value list',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { type: [] }, receivers: [ops] }\n',
    errors: ['/routes/0/match/type: must not be empty; list at least one value']
  },
  {
    name: 'invalid regex',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { environment: { regex: "[prod" } }, receivers: [ops] }\n',
    errors: ['/routes/0/match/environment/regex: invalid regular expression: error parsing regexp: missing closing ]: `[prod`; ' +
      'write an RE2 regular expression, which has no backreferences or lookaround, with backslashes doubled inside double quotes']
  },
  {
    name: 'regex with a backreference',
    yaml: "receivers:\n  ops: { type: log }\nroutes:\n  - { match: { application_name: { regex: '(a)\\1' } }, receivers: [ops] }\n",
    errors: ['/routes/0/match/application_name/regex: invalid regular expression: error parsing regexp: invalid escape sequence: `\\1`; ' +
      'write an RE2 regular expression, which has no backreferences or lookaround, with backslashes doubled inside double quotes']
  },
  {
    name: 'unknown regex key',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { environment: { regexp: prod } }, receivers: [ops] }\n',
    errors: [
      '/routes/0/match/environment: missing required key "regex"; add regex; the example routes file shows its form',
      '/routes/0/match/environment: unknown key "regexp"; did you mean "regex"?'
    ]
  },
  {
    name: 'invalid regex flags',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { environment: { regex: prod, flags: g } }, receivers: [ops] }\n',
    errors: ['/routes/0/match/environment/flags: must match ^[imsu]*$; use only the flags i, m, s and u']
  },
  {
    name: 'invalid threshold',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { risk: { above: 50 } }, receivers: [ops] }\n',
    errors: ['/routes/0/match/risk: unknown key "above"; remove it; valid keys here: gt, gte, lt, lte']
  },
  {
    name: 'string threshold',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { risk: high }, receivers: [ops] }\n',
    errors: ['/routes/0/match/risk: must be number; set a number, a list of numbers or { gte: 50 }-style thresholds']
  },
  {
    name: 'empty threshold',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { risk: {} }, receivers: [ops] }\n',
    errors: ['/routes/0/match/risk: must not be empty; set one or more of gt, gte, lt and lte to a number']
  },
  {
    name: 'string for a boolean field',
    yaml: 'receivers:\n  ops: { type: log }\nroutes:\n  - { match: { tor: "yes" }, receivers: [ops] }\n',
    errors: ['/routes/0/match/tor: must be boolean; set true or false']
  },
  {
    name: 'inline Slack URL',
    yaml: 'receivers:\n  ops: { type: slack, webhook_url: "https://hooks.slack.com/services/T0/B0/x" }\n' + logRoute,
    errors: ['/receivers/ops/webhook_url: the secret is written inline; use webhook_url: ${VAR} or webhook_url_file: <path>, so the secret stays out of this file']
  },
  {
    name: 'partly inline Slack URL',
    yaml: 'receivers:\n  ops: { type: slack, webhook_url: "https://hooks.slack.com/services/${PATH}" }\n' + logRoute,
    env: { PATH: 'T0/B0/x' },
    errors: ['/receivers/ops/webhook_url: the secret is written inline; use webhook_url: ${VAR} or webhook_url_file: <path>, so the secret stays out of this file']
  },
  {
    name: 'inline Twilio token',
    yaml: 'receivers:\n  ops: { type: sms, account_sid: AC1, auth_token: abc, from: "+15005550006", to: ["+33612345678"] }\n' + logRoute,
    errors: ['/receivers/ops/auth_token: the secret is written inline; use auth_token: ${VAR} or auth_token_file: <path>, so the secret stays out of this file']
  },
  {
    name: 'inline webhook secret',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret: hunter2 }\n' + logRoute,
    errors: ['/receivers/ops/secret: the secret is written inline; use secret: ${VAR} or secret_file: <path>, so the secret stays out of this file']
  },
  {
    name: 'inline SMTP password',
    yaml: 'receivers:\n  ops: { type: email, smtp_url: "smtp://relay:hunter2@mail.example.com", from: a@example.com, to: b@example.com }\n' + logRoute,
    errors: ['/receivers/ops/smtp_url: the URL has an inline password; write the password as ${VAR}, or use smtp_url: ${VAR} or smtp_url_file: <path>']
  },
  {
    name: 'inline AMQP password',
    yaml: 'receivers:\n  ops: { type: amqp, url: "amqp://guest:guest@127.0.0.1", exchange: x, routing_key: k }\n' + logRoute,
    errors: ['/receivers/ops/url: the URL has an inline password; write the password as ${VAR}, or use url: ${VAR} or url_file: <path>']
  },
  {
    name: 'missing environment variable',
    yaml: 'receivers:\n  ops: { type: slack, webhook_url: "${OPS_SLACK_URL}" }\n' + logRoute,
    errors: ['/receivers/ops/webhook_url: environment variable OPS_SLACK_URL is not set; set OPS_SLACK_URL, or use webhook_url_file']
  },
  {
    name: 'empty environment variable',
    yaml: 'receivers:\n  ops: { type: email, smtp_url: "smtp://mail.example.com", from: a@example.com, to: "${TO}" }\n' + logRoute,
    env: { TO: '' },
    errors: ['/receivers/ops/to: environment variable TO is empty; set TO in the relay\'s environment']
  },
  {
    name: 'missing variable in a list',
    yaml: 'receivers:\n  ops: { type: email, smtp_url: "smtp://mail.example.com", from: a@example.com, to: [a@example.com, "${B}"] }\n' + logRoute,
    errors: ['/receivers/ops/to/1: environment variable B is not set; set B in the relay\'s environment']
  },
  {
    name: 'missing secret file',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret_file: missing-secret }\n' + logRoute,
    errors: ['/receivers/ops/secret_file: cannot read <dir>/missing-secret (ENOENT); create the file, or fix the path']
  },
  {
    name: 'secret file path from a missing variable',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret_file: "${SECRET_DIR}/hook" }\n' + logRoute,
    errors: ['/receivers/ops/secret_file: environment variable SECRET_DIR is not set; set SECRET_DIR in the relay\'s environment']
  },
  {
    name: 'empty secret file',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret_file: secret }\n' + logRoute,
    files: { secret: '\n' },
    errors: ['/receivers/ops/secret_file: <dir>/secret is empty; write the secret into the file']
  },
  {
    name: 'secret file of blank lines',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret_file: secret }\n' + logRoute,
    files: { secret: '\n\n' },
    errors: ['/receivers/ops/secret_file: <dir>/secret contains only whitespace; write the secret into the file']
  },
  {
    name: 'secret file of spaces',
    yaml: 'receivers:\n  ops: { type: sms, account_sid: AC1, auth_token_file: token, from: "+15005550006", to: "+33612345678" }\n' + logRoute,
    files: { token: ' \t \r\n' },
    errors: ['/receivers/ops/auth_token_file: <dir>/token contains only whitespace; write the secret into the file']
  },
  {
    name: 'Latin-1 secret file',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret_file: secret }\n' + logRoute,
    files: { secret: Buffer.from('caf\xe9\n', 'latin1') },
    errors: ['/receivers/ops/secret_file: <dir>/secret is not valid UTF-8; save the file as UTF-8']
  },
  {
    name: 'UTF-16 secret file',
    yaml: 'receivers:\n  ops: { type: slack, webhook_url_file: url }\n' + logRoute,
    files: { url: Buffer.from('https://hooks.slack.com/services/T0/B0/x', 'utf16le') },
    errors: ['/receivers/ops/webhook_url_file: <dir>/url contains a NUL byte, as UTF-16 text does; save the file as UTF-8']
  },
  {
    name: 'secret file with a byte order mark',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret_file: secret }\n' + logRoute,
    files: { secret: '\ufeffs3cret\n' },
    errors: ['/receivers/ops/secret_file: <dir>/secret starts with a UTF-8 byte order mark; save the file as UTF-8 without a byte order mark']
  },
  {
    name: 'secret file over 64 KiB',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret_file: secret }\n' + logRoute,
    files: { secret: 'x'.repeat(64 * 1024 + 1) },
    errors: ['/receivers/ops/secret_file: <dir>/secret is larger than 65536 bytes; check the path, and keep only the secret in the file']
  },
  {
    name: 'endless secret file',
    yaml: 'receivers:\n  ops: { type: amqp, url_file: /dev/zero, exchange: x, routing_key: k }\n' + logRoute,
    errors: ['/receivers/ops/url_file: /dev/zero is larger than 65536 bytes; check the path, and keep only the secret in the file']
  },
  {
    name: 'secrets of only whitespace',
    yaml: 'receivers:\n' +
      '  hook: { type: webhook, url: "https://x.example", secret: "${S}" }\n' +
      '  chat: { type: slack, webhook_url: "${S}" }\n' +
      '  text: { type: sms, account_sid: AC1, auth_token: "${TAB}", from: "+15005550006", to: "+33612345678" }\n' +
      '  mail: { type: email, smtp_url: "smtp://relay:${S}@mail.example.com", from: a@example.com, to: [b@example.com] }\n' +
      '  bus: { type: amqp, url: "${NEWLINE}", exchange: x, routing_key: k }\n' +
      '  ops: { type: log }\n' + logRoute,
    env: { S: '   ', TAB: '\t', NEWLINE: '\n' },
    errors: [
      '/receivers/hook/secret: environment variable S contains only whitespace; set S, or use secret_file',
      '/receivers/chat/webhook_url: environment variable S contains only whitespace; set S, or use webhook_url_file',
      '/receivers/text/auth_token: environment variable TAB contains only whitespace; set TAB, or use auth_token_file',
      '/receivers/mail/smtp_url: environment variable S contains only whitespace; set S, or use smtp_url_file',
      '/receivers/bus/url: environment variable NEWLINE contains only whitespace; set NEWLINE, or use url_file'
    ]
  },
  {
    name: 'secret and secret file',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret: "${S}", secret_file: secret }\n' + logRoute,
    env: { S: 'x' },
    files: { secret: 'y' },
    errors: ['/receivers/ops/secret_file: both secret and secret_file are set; keep only one of them']
  },
  {
    name: 'missing secret',
    yaml: 'receivers:\n  ops: { type: slack }\n' + logRoute,
    errors: ['/receivers/ops: missing webhook_url; set webhook_url: ${VAR} or webhook_url_file: <path>']
  },
  {
    name: 'missing email settings',
    yaml: 'receivers:\n  ops: { type: email, smtp_url: "smtp://mail.example.com" }\n' + logRoute,
    errors: [
      '/receivers/ops: missing required key "from"; add from; the example routes file shows its form',
      '/receivers/ops: missing required key "to"; add to; the example routes file shows its form'
    ]
  },
  {
    name: 'Slack URL from env not http',
    yaml: 'receivers:\n  ops: { type: slack, webhook_url: "${URL}" }\n' + logRoute,
    env: { URL: 'hooks.slack.com/services/T0/B0/x' },
    errors: ['/receivers/ops/webhook_url: must be an http:// or https:// URL (got "hooks.slack.com/[redacted]"); fix the value']
  },
  {
    name: 'URLs the clients cannot use',
    yaml: 'receivers:\n' +
      '  hook: { type: webhook, url: "http://[::1", secret: "${S}" }\n' +
      '  text: { type: sms, account_sid: AC1, auth_token: "${S}", from: "+15005550006", to: "+33612345678", api_url: "http://[x" }\n' +
      '  mail: { type: email, smtp_url: "smtp://127.0.0.1:99999", from: a@example.com, to: [b@example.com] }\n' +
      '  ops: { type: log }\n' + logRoute,
    env: { S: 's' },
    errors: [
      '/receivers/hook/url: is not a valid URL: check the host, the port (at most 65535) and the percent-encoding of the path and the user and password (got "http://[::1"); fix the value',
      '/receivers/text/api_url: is not a valid URL: check the host, the port (at most 65535) and the percent-encoding of the path and the user and password (got "http://[x"); fix the value',
      '/receivers/mail/smtp_url: is not a valid URL: check the host, the port (at most 65535) and the percent-encoding of the path and the user and password (got "smtp://127.0.0.1:99999"); fix the value'
    ]
  },
  {
    name: 'invalid phone numbers',
    yaml: 'receivers:\n  ops: { type: sms, account_sid: AC1, auth_token: "${T}", from: "+15005550006", to: "${TO}" }\n' + logRoute,
    env: { T: 'x', TO: '+33612345678, 0612345678' },
    errors: ['/receivers/ops/to: must be an E.164 number such as +33612345678 (got "0612345678"); fix the value']
  },
  {
    name: 'recipient list without recipient',
    yaml: 'receivers:\n  ops: { type: email, smtp_url: "smtp://mail.example.com", from: a@example.com, to: "${TO}" }\n' + logRoute,
    env: { TO: ' , ' },
    errors: ['/receivers/ops/to: lists no recipient; set at least one']
  },
  {
    name: 'invalid sender address',
    yaml: 'receivers:\n  ops: { type: email, smtp_url: "smtp://mail.example.com", from: relay, to: [b@example.com] }\n' + logRoute,
    errors: ['/receivers/ops/from: must be an e-mail address such as alerts@example.com (got "relay"); fix the value']
  },
  {
    name: 'two sender addresses',
    yaml: 'receivers:\n  ops: { type: email, smtp_url: "smtp://mail.example.com", from: "a@example.com, b@example.com", to: [c@example.com] }\n' + logRoute,
    errors: ['/receivers/ops/from: must be one e-mail address, and a list separates addresses with commas (got "a@example.com, b@example.com"); fix the value']
  },
  {
    name: 'recipient without domain',
    yaml: 'receivers:\n  ops: { type: email, smtp_url: "smtp://mail.example.com", from: "Relay <a@example.com>", to: [b@example.com, "c@"] }\n' + logRoute,
    errors: ['/receivers/ops/to: must be an e-mail address such as alerts@example.com (got "c@"); fix the value']
  },
  {
    name: 'invalid AMQP URL',
    yaml: 'receivers:\n  ops: { type: amqp, url: "http://broker", exchange: x, routing_key: k }\n' + logRoute,
    errors: ['/receivers/ops/url: must be an amqp:// or amqps:// URL (got "http://broker"); fix the value']
  },
  {
    name: 'signature in a header the request needs',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://siem.example", secret: "${S}", signature_header: Content-Length }\n' + logRoute,
    env: { S: 's' },
    errors: ['/receivers/ops/signature_header: is a header the request needs for itself: choose another name, such as X-Relay-Signature (got "Content-Length"); fix the value']
  },
  {
    name: 'AMQP URL amqplib cannot use',
    yaml: 'receivers:\n  ops: { type: amqp, url: "amqp://127.0.0.1:notaport", exchange: x, routing_key: k }\n' + logRoute,
    errors: ['/receivers/ops/url: is not a valid URL: check the host, the port and the percent-encoding of the user and password (got "amqp://127.0.0.1:notaport"); fix the value']
  },
  {
    name: 'SMTP URL with a password and a wrong scheme',
    yaml: 'receivers:\n  ops: { type: email, smtp_url: "mail://relay:${P}@mail.example.com", from: a@example.com, to: [b@example.com] }\n' + logRoute,
    env: { P: 'smtp-password' },
    errors: ['/receivers/ops/smtp_url: must be an smtp:// or smtps:// URL (got "mail://[redacted]@mail.example.com"); fix the value']
  },
  {
    name: 'invalid exchange name',
    yaml: 'receivers:\n  ops: { type: amqp, exchange: "a b", routing_key: k }\n' + logRoute,
    errors: ['/receivers/ops/exchange: must match ^[A-Za-z0-9_.:-]*$; set an exchange name of letters, digits, "-", "_", "." and ":" ("" is the default exchange)']
  },
  {
    name: 'invalid signature header',
    yaml: 'receivers:\n  ops: { type: webhook, url: "https://x.example", secret: "${S}", signature_header: "X Sig" }\n' + logRoute,
    env: { S: 'x' },
    errors: ["/receivers/ops/signature_header: must match ^[A-Za-z0-9!#$%&'*+.^_`|~-]+$; set an HTTP header name such as X-Relay-Signature"]
  },
  {
    name: 'invalid template',
    yaml: 'receivers:\n  ops:\n    type: log\n    template: { text: "{{#ips}}{{address}}" }\n' + logRoute,
    errors: ['/receivers/ops/template/text: invalid Mustache template: Unclosed section "ips" at 19; close every {{tag}} and section']
  },
  {
    name: 'unknown template variable',
    yaml: 'receivers:\n  ops:\n    type: log\n    template: { subject: "{{titel}} {{#ips}}{{address}}{{/ips}}" }\n' + logRoute,
    errors: [/^\/receivers\/ops\/template\/subject: unknown template variable "titel"; use one of: type, format, id, /.source]
  },
  {
    name: 'unknown variable in a list section',
    yaml: 'receivers:\n  ops:\n    type: log\n    template: { text: "{{#ips}}{{adress}} {{#tor}}Tor{{/tor}}{{/ips}}{{#accounts}}{{.}}{{/accounts}}" }\n' + logRoute,
    errors: [/^\/receivers\/ops\/template\/text: unknown template variable "adress" in \{\{#ips\}\}; use one of: address, country, city, tor, type, /.source]
  },
  {
    name: 'unknown variable in other sections',
    yaml: 'receivers:\n  ops:\n    type: log\n    template: { text: "{{#description}}{{titel}}{{/description}}{{^url}}{{lnk}}{{/url}}{{#accounts}}{{address}}{{/accounts}}" }\n' + logRoute,
    errors: [
      /^\/receivers\/ops\/template\/text: unknown template variable "titel"; use one of: type, /.source,
      /^\/receivers\/ops\/template\/text: unknown template variable "lnk"; use one of: type, /.source,
      /^\/receivers\/ops\/template\/text: unknown template variable "address" in \{\{#accounts\}\}; use one of: type, /.source
    ]
  },
  {
    name: 'dotted template names',
    yaml: 'receivers:\n  ops:\n    type: log\n    template: { text: "{{title.length}}{{ips.0.address}}{{#ips}}{{address.x}}{{.}}{{/ips}}{{.}}" }\n' + logRoute,
    errors: [
      /^\/receivers\/ops\/template\/text: unknown template variable "title\.length"; use one of: type, /.source,
      /^\/receivers\/ops\/template\/text: unknown template variable "ips\.0\.address"; use one of: type, /.source,
      /^\/receivers\/ops\/template\/text: unknown template variable "address\.x" in \{\{#ips\}\}; use one of: address, /.source,
      /^\/receivers\/ops\/template\/text: unknown template variable "\." in \{\{#ips\}\}; use one of: address, /.source,
      /^\/receivers\/ops\/template\/text: unknown template variable "\."; use one of: type, /.source
    ]
  },
  {
    name: 'partials in a template',
    yaml: 'receivers:\n  ops:\n    type: log\n    template: { text: "{{>title}} {{#ips}}{{> ip}}{{/ips}}", subject: "{{^url}}{{>url}}{{/url}}" }\n' + logRoute,
    errors: [
      '/receivers/ops/template/text: the Mustache tag {{>title}} is not supported; remove the tag, and write the text of a partial into the template itself',
      '/receivers/ops/template/text: the Mustache tag {{>ip}} is not supported; remove the tag, and write the text of a partial into the template itself',
      '/receivers/ops/template/subject: the Mustache tag {{>url}} is not supported; remove the tag, and write the text of a partial into the template itself'
    ]
  },
  {
    name: 'empty template',
    yaml: 'receivers:\n  ops: { type: log, template: {} }\n' + logRoute,
    errors: ['/receivers/ops/template: must not be empty; set subject and/or text, both Mustache templates']
  },
  {
    name: 'undefined alias',
    yaml: 'receivers: {l: &a {type: log}, m: *a, n: *b}\n' + logRoute,
    errors: ['line 1, column 42: the alias *b has no anchor &b before it; define the anchor &b on a value before the alias, or remove the alias']
  },
  {
    name: 'too many aliases',
    yaml: `anchor: &a [1]\nreceivers: [${Array(101).fill('*a').join(', ')}]\n`,
    errors: [/^\/: Excessive alias count indicates a resource exhaustion attack; use fewer YAML aliases$/.source]
  }
]

test('invalid routes files are rejected', async (t) => {
  for (const { name, yaml, env = {}, files = {}, errors } of errorCases) {
    const dir = t.testdir({ 'routes.yml': yaml, ...files })
    const file = join(dir, 'routes.yml')
    const error = t.throws(() => loadRoutesFile(file, env), { code: 'RELAY_CONFIG_INVALID' }, name) as Error
    const lines = error.message.split('\n')
    t.equal(lines[0], 'invalid routes:', `${name}: heading`)
    t.equal(lines.length - 1, errors.length, `${name}: number of errors`)
    errors.forEach((expected, index) => {
      const pattern = expected.startsWith('^')
        ? new RegExp(`^${literal(file)}: ${expected.slice(1)}`)
        : new RegExp(`^${literal(`${file}: ${expected.replace('<dir>', dir)}`)}$`)
      t.match(lines[index + 1], pattern, `${name}: error ${index + 1}`)
    })
  }
})

test('missing routes file is named', async (t) => {
  t.throws(() => loadRoutesFile('/nonexistent/routes.yml', {}), {
    code: 'RELAY_CONFIG_INVALID',
    message: '/nonexistent/routes.yml: cannot read the routes file (ENOENT); check ROUTES_FILE'
  })
})

type DirectoryContent = { [name: string]: string | DirectoryContent }

function loadReceivers (t: Test, yaml: string, env: NodeJS.ProcessEnv, files: DirectoryContent = {}): ReceiverSpec[] {
  const dir = t.testdir({ 'routes.yml': yaml + 'routes:\n  - receivers: [log]\n', ...files })
  return loadRoutesFile(join(dir, 'routes.yml'), env).receivers
}

test('secrets come from env and files', async (t) => {
  const yaml = `receivers:
  log: { type: log }
  slack: { type: slack, webhook_url: "\${SLACK_URL}" }
  slack-file: { type: slack, webhook_url_file: secrets/slack-url }
  mail:
    type: email
    smtp_url: "smtps://relay:\${SMTP_PASSWORD}@mail.example.com:465"
    from: relay@example.com
    to: "\${MAIL_TO}"
  sms:
    type: sms
    account_sid: AC1
    auth_token_file: "\${SECRETS}/twilio-token"
    from: "+15005550006"
    to: [" +33612345678 "]
  hook: { type: webhook, url: "https://siem.example.com/in", secret: "\${HOOK_SECRET}" }
`
  const receivers = loadReceivers(t, yaml, {
    SLACK_URL: 'https://hooks.slack.com/services/T0/B0/env',
    SMTP_PASSWORD: 'p@ss',
    MAIL_TO: 'a@example.com, b@example.com',
    HOOK_SECRET: 'hook-secret',
    SECRETS: 'secrets'
  }, {
    secrets: {
      'slack-url': 'https://hooks.slack.com/services/T0/B0/file\n',
      'twilio-token': 'token-from-file\r\n'
    }
  })
  t.same(receivers, [
    { name: 'log', type: 'log' },
    { name: 'slack', type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T0/B0/env' },
    { name: 'slack-file', type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T0/B0/file' },
    {
      name: 'mail',
      type: 'email',
      smtpUrl: 'smtps://relay:p@ss@mail.example.com:465',
      from: 'relay@example.com',
      to: ['a@example.com', 'b@example.com']
    },
    {
      name: 'sms',
      type: 'sms',
      accountSid: 'AC1',
      authToken: 'token-from-file',
      from: '+15005550006',
      to: ['+33612345678'],
      apiUrl: 'https://api.twilio.com'
    },
    {
      name: 'hook',
      type: 'webhook',
      url: 'https://siem.example.com/in',
      secret: 'hook-secret',
      signatureHeader: 'X-Relay-Signature'
    }
  ])
})

test('receiver settings and defaults', async (t) => {
  const yaml = `receivers:
  log: { type: log, template: { text: "{{title}} in {{application}}" } }
  relay-bus: { type: amqp, exchange: security, routing_key: sqreen }
  other-bus: { type: amqp, url_file: broker-url, exchange: "", routing_key: q }
  sms:
    type: sms
    account_sid: AC1
    auth_token: "\${TOKEN}"
    from: "+15005550006"
    to: "+33612345678"
    api_url: http://127.0.0.1:9999
  hook:
    type: webhook
    url: https://siem.example.com/in
    secret: "\${TOKEN}"
    signature_header: X-Signature
`
  const files = { 'broker-url': 'amqps://user:pw@broker.example.com\n' }
  const receivers = loadReceivers(t, yaml, { TOKEN: 't', AMQP_URL: 'amqp://relay@127.0.0.1:5673' }, files)
  t.same(receivers, [
    { name: 'log', type: 'log', template: { text: '{{title}} in {{application}}' } },
    { name: 'relay-bus', type: 'amqp', exchange: 'security', routingKey: 'sqreen', url: 'amqp://relay@127.0.0.1:5673' },
    { name: 'other-bus', type: 'amqp', exchange: '', routingKey: 'q', url: 'amqps://user:pw@broker.example.com' },
    { name: 'sms', type: 'sms', accountSid: 'AC1', authToken: 't', from: '+15005550006', to: ['+33612345678'], apiUrl: 'http://127.0.0.1:9999' },
    { name: 'hook', type: 'webhook', url: 'https://siem.example.com/in', secret: 't', signatureHeader: 'X-Signature' }
  ])
})

test('escaped references stay literal', async (t) => {
  const cases = [
    { value: '$${ENV}', expected: '${ENV}' },
    { value: 'alerts.$${UNSET}.${ENV}', expected: 'alerts.${UNSET}.prod' },
    { value: '$$${ENV}', expected: '$prod' },
    { value: '$$$${ENV}', expected: '$${ENV}' },
    { value: '$$$$${ENV}', expected: '$$prod' },
    { value: 'cost$$ $ $$ {ENV} ${ENV}', expected: 'cost$$ $ $$ {ENV} prod' }
  ]
  for (const { value, expected } of cases) {
    const yaml = `receivers:\n  log: { type: log }\n  bus: { type: amqp, exchange: x, routing_key: ${JSON.stringify(value)} }\n`
    const receiver = loadReceivers(t, yaml, { ENV: 'prod' }).find(({ name }) => name === 'bus')
    t.match(receiver, { routingKey: expected }, value)
  }
})

test('escaped reference in a list and a URL', async (t) => {
  const yaml = `receivers:
  log: { type: log }
  mail:
    type: email
    smtp_url: "smtp://mail.example.com/?tag=$\${TAG}"
    from: "relay+$\${ID}@example.com"
    to: ["$\${USER}@example.com", "\${TO}"]
`
  const receiver = loadReceivers(t, yaml, { TO: 'b@example.com' }).find(({ name }) => name === 'mail')
  t.same(receiver, {
    name: 'mail',
    type: 'email',
    smtpUrl: 'smtp://mail.example.com/?tag=${TAG}',
    from: 'relay+${ID}@example.com',
    to: ['${USER}@example.com', 'b@example.com']
  })
})

test('escaped reference is an inline secret', async (t) => {
  const dir = t.testdir({ 'routes.yml': 'receivers:\n  ops: { type: slack, webhook_url: "$${URL}" }\n' + logRoute })
  t.throws(() => loadRoutesFile(join(dir, 'routes.yml'), { URL: 'https://hooks.slack.com/services/T0/B0/x' }), {
    code: 'RELAY_CONFIG_INVALID',
    message: /webhook_url: the secret is written inline/
  })
})

test('amqp receiver defaults to relay broker', async (t) => {
  const receivers = loadReceivers(t, 'receivers:\n  log: { type: amqp, exchange: x, routing_key: k }\n', {})
  t.same(receivers, [
    { name: 'log', type: 'amqp', exchange: 'x', routingKey: 'k', url: 'amqp://guest:guest@127.0.0.1:5672' }
  ])
})

test('sms receiver defaults to the TWILIO_API_URL of the environment', async (t) => {
  const yaml = `receivers:
  log: { type: sms, account_sid: AC1, auth_token: "\${TOKEN}", from: "+15005550006", to: "+33612345678" }
`
  const apiUrl = (env: NodeJS.ProcessEnv): unknown => {
    const [receiver] = loadReceivers(t, yaml, { TOKEN: 't', ...env })
    return receiver?.type === 'sms' ? receiver.apiUrl : undefined
  }
  t.equal(apiUrl({ TWILIO_API_URL: 'http://127.0.0.1:4100' }), 'http://127.0.0.1:4100')
  t.equal(apiUrl({}), 'https://api.twilio.com')
  t.equal(apiUrl({ TWILIO_API_URL: '' }), 'https://api.twilio.com', 'empty means unset')
})

test('YAML anchors are resolved', async (t) => {
  const yaml = `receivers:
  log: &base { type: email, smtp_url: "smtp://mail.example.com", from: a@example.com, to: [b@example.com] }
  second: *base
`
  const receivers = loadReceivers(t, yaml, {})
  t.same(receivers.map((receiver) => receiver.name), ['log', 'second'])
})

const utf8Fix = 'save the file as UTF-8'

const encodingCases = [
  {
    name: 'Latin-1',
    bytes: Buffer.from('receivers:\n  ops: { type: log }\napplication_name: "caf\xe9"\n', 'latin1'),
    error: `line 3, column 23: the file is not valid UTF-8; ${utf8Fix}`
  },
  {
    name: 'UTF-16 with a byte order mark',
    bytes: Buffer.from('\ufeffreceivers: {}\n', 'utf16le'),
    error: `line 1, column 1: the file is not valid UTF-8; ${utf8Fix}`
  },
  {
    name: 'UTF-16 big-endian with a byte order mark',
    bytes: Buffer.from('\ufeffreceivers: {}\n', 'utf16le').swap16(),
    error: `line 1, column 1: the file is not valid UTF-8; ${utf8Fix}`
  },
  {
    name: 'UTF-16 without a byte order mark',
    bytes: Buffer.from('receivers: {}\n', 'utf16le'),
    error: `line 1, column 2: the file contains a NUL byte, as UTF-16 text does; ${utf8Fix}`
  },
  {
    name: 'invalid byte after a U+FFFD',
    bytes: Buffer.concat([Buffer.from('# \ufffd é\nreceivers: "\ufffd'), Buffer.from([0xff]), Buffer.from('"\n')]),
    error: `line 2, column 14: the file is not valid UTF-8; ${utf8Fix}`
  },
  {
    name: 'overlong encoding',
    bytes: Buffer.from([0x61, 0x3a, 0x20, 0xc0, 0xaf, 0x0a]),
    error: `line 1, column 4: the file is not valid UTF-8; ${utf8Fix}`
  },
  {
    name: 'sequence cut at the end',
    bytes: Buffer.from([0x61, 0x3a, 0x20, 0xe2, 0x82]),
    error: `line 1, column 4: the file is not valid UTF-8; ${utf8Fix}`
  },
  {
    name: 'byte order mark and Latin-1',
    bytes: Buffer.concat([Buffer.from('\ufeffa: '), Buffer.from('\xe9', 'latin1')]),
    error: `line 1, column 4: the file is not valid UTF-8; ${utf8Fix}`
  }
]

test('non-UTF-8 routes files are rejected', async (t) => {
  for (const { name, bytes, error } of encodingCases) {
    const file = join(t.testdir({ 'routes.yml': bytes }), 'routes.yml')
    t.throws(() => loadRoutesFile(file, {}), {
      code: 'RELAY_CONFIG_INVALID',
      message: `invalid routes:\n${file}: ${error}`
    }, name)
  }
})

test('routes file byte order mark dropped', async (t) => {
  const dir = t.testdir({
    'routes.yml': '\ufeffreceivers:\n  ops: { type: log }\n' + logRoute,
    'tagged.yml': '\ufeffa: !v 1\n'
  })
  t.same(loadRoutesFile(join(dir, 'routes.yml'), {}).receivers, [{ name: 'ops', type: 'log' }], 'accepted')
  t.throws(() => loadRoutesFile(join(dir, 'tagged.yml'), {}), {
    message: /tagged\.yml: line 1, column 4: the tag !v is not supported;/
  }, 'columns count from the first character')
})

const validRoutes = 'receivers:\n  ops: { type: log }\n' + logRoute

test('routes file of 1 MiB is the limit', async (t) => {
  const padding = (size: number): string => '#'.repeat(size - validRoutes.length - 1) + '\n'
  const dir = t.testdir({
    'limit.yml': validRoutes + padding(1024 * 1024),
    'over.yml': validRoutes + padding(1024 * 1024 + 1)
  })
  t.equal(loadRoutesFile(join(dir, 'limit.yml'), {}).receivers.length, 1, '1048576 bytes accepted')
  const over = join(dir, 'over.yml')
  t.throws(() => loadRoutesFile(over, {}), {
    code: 'RELAY_CONFIG_INVALID',
    message: `${over}: the routes file is larger than 1048576 bytes; check that ROUTES_FILE names the routes file`
  }, '1048577 bytes rejected')
})

test('endless routes files stop at the limit', async (t) => {
  t.throws(() => loadRoutesFile('/dev/zero', {}), {
    message: '/dev/zero: the routes file is larger than 1048576 bytes; check that ROUTES_FILE names the routes file'
  }, '/dev/zero')
  const fifo = join(t.testdir(), 'routes.yml')
  execFileSync('mkfifo', [fifo])
  // The writer must be another process, because the read blocks this one.
  const writer = spawn('sh', ['-c', 'exec yes "# comment" > "$0"', fifo], { stdio: 'ignore' })
  t.teardown(() => { if (writer.exitCode === null) writer.kill() })
  t.throws(() => loadRoutesFile(fifo, {}), {
    message: `${fifo}: the routes file is larger than 1048576 bytes; check that ROUTES_FILE names the routes file`
  }, 'FIFO written without end')
})

test('secret files lose one trailing newline', async (t) => {
  const cases = [
    { content: 'key\n', secret: 'key' },
    { content: 'key\r\n', secret: 'key' },
    { content: 'key', secret: 'key' },
    { content: 'key\n\n', secret: 'key\n' },
    { content: 'key\r\n\r\n', secret: 'key\r\n' },
    { content: 'key\r', secret: 'key\r' },
    { content: ' key \n', secret: ' key ' }
  ]
  for (const { content, secret } of cases) {
    const yaml = 'receivers:\n  log: { type: webhook, url: "https://x.example", secret_file: secret }\n'
    const [receiver] = loadReceivers(t, yaml, {}, { secret: content })
    t.match(receiver, { secret }, JSON.stringify(content))
  }
})

test('secret file of 64 KiB is accepted', async (t) => {
  const yaml = 'receivers:\n  log: { type: webhook, url: "https://x.example", secret_file: secret }\n'
  const secret = 'x'.repeat(64 * 1024)
  const [receiver] = loadReceivers(t, yaml, {}, { secret })
  t.match(receiver, { secret })
})

test('template comments and delimiters are accepted', async (t) => {
  const template = { text: '{{! for the on-call }}{{=<% %>=}}<% title %> <%#ips%><%address%><%/ips%>' }
  const yaml = `receivers:\n  log: { type: log, template: { text: ${JSON.stringify(template.text)} } }\n`
  t.same(loadReceivers(t, yaml, {}), [{ name: 'log', type: 'log', template }])
})

/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/render/sms.test.ts > TAP > sms of httpScan > must match snapshot 1`] = `
Sqreen: HTTP scan incident (created)
601366f227a5d5001fe83586
IP 213.245.178.46 (Paris, FRA)
`

exports[`test/render/sms.test.ts > TAP > sms of pulse > must match snapshot 1`] = `
Sqreen: Massive account takeover attempts on user@example.com
APPLICATION (production)
From Paris, France
Account user@example.com
`

exports[`test/render/sms.test.ts > TAP > sms of securityEventV1 > must match snapshot 1`] = `
Sqreen: Security event: auth tor tentative
Demo app (production)
Connection to jeff45@harrell.com from TOR (135.96.171.118)
IP 135.96.171.118 (Sag, ROU, Tor)
`

exports[`test/render/sms.test.ts > TAP > sms of securityEventV2 > must match snapshot 1`] = `
Sqreen: Security event: not found
montres-berger (production)
Potential Vulnerability discovery from 103.6.198.100
IP 103.6.198.100 (MYS)
`

exports[`test/render/sms.test.ts > TAP > sms of securityResponse > must match snapshot 1`] = `
Sqreen: Security response: Test Playbook
interview_backend (development)
IP 127.0.0.1
Account sqreen@example.com
`

exports[`test/render/sms.test.ts > TAP > sms of test > must match snapshot 1`] = `
Sqreen: Test notification from Sqreen
"workorders" (development)
IP 42.42.42.42
http://test/
`

exports[`test/render/sms.test.ts > TAP > sms of unknownType > must match snapshot 1`] = `
Sqreen: Credential stuffing notification
montres-berger (production)
IP 198.51.100.7 (DEU, Tor)
`

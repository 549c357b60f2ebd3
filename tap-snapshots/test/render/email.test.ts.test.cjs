/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/render/email.test.ts > TAP > email of httpScan > must match snapshot 1`] = `
Object {
  "html": String(
    <!DOCTYPE html>
    <html><head><meta charset="utf-8">
    <title>[Sqreen] HTTP scan incident (created) - 601366f227a5d5001fe83586</title></head>
    <body style="font-family: sans-serif">
    <h1>HTTP scan incident (created)</h1>
    <table cellpadding="4">
    <tr><th align="left" valign="top">Application</th><td>601366f227a5d5001fe83586</td></tr>
    <tr><th align="left" valign="top">Source IPs</th><td>213.245.178.46 (Paris, FRA)</td></tr>
    <tr><th align="left" valign="top">Date</th><td>2021-01-29T01:39:04.897000+00:00</td></tr>
    <tr><th align="left" valign="top">Incident thread</th><td>track_collection_401be473f7c55f732882c781fb007a35</td></tr>
    <tr><th align="left" valign="top">Incident status</th><td>created</td></tr>
    <tr><th align="left" valign="top">Date last updated</th><td>2021-01-29T02:02:10.118000+00:00</td></tr>
    </table>
    </body></html>
    
  ),
  "subject": "[Sqreen] HTTP scan incident (created) - 601366f227a5d5001fe83586",
  "text": String(
    HTTP scan incident (created)
    
    Application: 601366f227a5d5001fe83586
    Source IPs: 213.245.178.46 (Paris, FRA)
    Date: 2021-01-29T01:39:04.897000+00:00
    Incident thread: track_collection_401be473f7c55f732882c781fb007a35
    Incident status: created
    Date last updated: 2021-01-29T02:02:10.118000+00:00
    
  ),
}
`

exports[`test/render/email.test.ts > TAP > email of pulse > must match snapshot 1`] = `
Object {
  "html": String(
    <!DOCTYPE html>
    <html><head><meta charset="utf-8">
    <title>[Sqreen] Massive account takeover attempts on user@example.com - APPLICATION (production)</title></head>
    <body style="font-family: sans-serif">
    <h1>Massive account takeover attempts on user@example.com</h1>
    <p>From Paris, France</p>
    <table cellpadding="4">
    <tr><th align="left" valign="top">Application</th><td>APPLICATION (production)</td></tr>
    <tr><th align="left" valign="top">Accounts</th><td>user@example.com</td></tr>
    <tr><th align="left" valign="top">Pulse</th><td>account_takeover</td></tr>
    <tr><th align="left" valign="top">Blocked</th><td>yes</td></tr>
    <tr><th align="left" valign="top">Date</th><td>2019-11-20T21:47:00.090825+00:00</td></tr>
    </table>
    <p><a href="https://my.sqreen.com/application/5dd058775c3feb0021c0bb43/pulses/5dd5b454e56c7e0024169b4b">Open in Sqreen</a></p>
    </body></html>
    
  ),
  "subject": "[Sqreen] Massive account takeover attempts on user@example.com - APPLICATION (production)",
  "text": String(
    Massive account takeover attempts on user@example.com
    
    From Paris, France
    
    Application: APPLICATION (production)
    Accounts: user@example.com
    Pulse: account_takeover
    Blocked: yes
    Date: 2019-11-20T21:47:00.090825+00:00
    
    Open in Sqreen: https://my.sqreen.com/application/5dd058775c3feb0021c0bb43/pulses/5dd5b454e56c7e0024169b4b
    
  ),
}
`

exports[`test/render/email.test.ts > TAP > email of securityEventV1 > must match snapshot 1`] = `
Object {
  "html": String(
    <!DOCTYPE html>
    <html><head><meta charset="utf-8">
    <title>[Sqreen] Security event: auth tor tentative - Demo app (production)</title></head>
    <body style="font-family: sans-serif">
    <h1>Security event: auth tor tentative</h1>
    <p>Connection to jeff45@harrell.com from TOR (135.96.171.118)</p>
    <table cellpadding="4">
    <tr><th align="left" valign="top">Application</th><td>Demo app (production)</td></tr>
    <tr><th align="left" valign="top">Source IPs</th><td>135.96.171.118 (Sag, ROU, Tor)</td></tr>
    <tr><th align="left" valign="top">Accounts</th><td>jeff45@harrell.com</td></tr>
    <tr><th align="left" valign="top">Event</th><td>authentication / auth_tor_tentative</td></tr>
    <tr><th align="left" valign="top">Date</th><td>2016-12-21T07:22:32.732000+00:00</td></tr>
    </table>
    <p><a href="https://my.sqreen.com/application/d8b47501fad44fb28d09967e1f1b09a258d85f4ba5d44e759b886f9663e7cf01/events/587b234e4891d57c1bf5c8c9">Open in Sqreen</a></p>
    </body></html>
    
  ),
  "subject": "[Sqreen] Security event: auth tor tentative - Demo app (production)",
  "text": String(
    Security event: auth tor tentative
    
    Connection to jeff45@harrell.com from TOR (135.96.171.118)
    
    Application: Demo app (production)
    Source IPs: 135.96.171.118 (Sag, ROU, Tor)
    Accounts: jeff45@harrell.com
    Event: authentication / auth_tor_tentative
    Date: 2016-12-21T07:22:32.732000+00:00
    
    Open in Sqreen: https://my.sqreen.com/application/d8b47501fad44fb28d09967e1f1b09a258d85f4ba5d44e759b886f9663e7cf01/events/587b234e4891d57c1bf5c8c9
    
  ),
}
`

exports[`test/render/email.test.ts > TAP > email of securityEventV2 > must match snapshot 1`] = `
Object {
  "html": String(
    <!DOCTYPE html>
    <html><head><meta charset="utf-8">
    <title>[Sqreen] Security event: not found - montres-berger (production)</title></head>
    <body style="font-family: sans-serif">
    <h1>Security event: not found</h1>
    <p>Potential Vulnerability discovery from 103.6.198.100</p>
    <table cellpadding="4">
    <tr><th align="left" valign="top">Application</th><td>montres-berger (production)</td></tr>
    <tr><th align="left" valign="top">Source IPs</th><td>103.6.198.100 (MYS)</td></tr>
    <tr><th align="left" valign="top">Event</th><td>http_error / not_found</td></tr>
    <tr><th align="left" valign="top">Risk</th><td>25</td></tr>
    <tr><th align="left" valign="top">Date</th><td>2021-01-30T10:03:54.905000+00:00</td></tr>
    </table>
    <p><a href="https://my.sqreen.com/application/601366f227a5d5001fe83586/events/60152f0bbdc966000fc88b58">Open in Sqreen</a></p>
    </body></html>
    
  ),
  "subject": "[Sqreen] Security event: not found - montres-berger (production)",
  "text": String(
    Security event: not found
    
    Potential Vulnerability discovery from 103.6.198.100
    
    Application: montres-berger (production)
    Source IPs: 103.6.198.100 (MYS)
    Event: http_error / not_found
    Risk: 25
    Date: 2021-01-30T10:03:54.905000+00:00
    
    Open in Sqreen: https://my.sqreen.com/application/601366f227a5d5001fe83586/events/60152f0bbdc966000fc88b58
    
  ),
}
`

exports[`test/render/email.test.ts > TAP > email of securityResponse > must match snapshot 1`] = `
Object {
  "html": String(
    <!DOCTYPE html>
    <html><head><meta charset="utf-8">
    <title>[Sqreen] Security response: Test Playbook - interview_backend (development)</title></head>
    <body style="font-family: sans-serif">
    <h1>Security response: Test Playbook</h1>
    <table cellpadding="4">
    <tr><th align="left" valign="top">Application</th><td>interview_backend (development)</td></tr>
    <tr><th align="left" valign="top">Source IPs</th><td>127.0.0.1</td></tr>
    <tr><th align="left" valign="top">Accounts</th><td>sqreen@example.com</td></tr>
    <tr><th align="left" valign="top">Date</th><td>2020-07-17T22:33:26.287038+00:00</td></tr>
    </table>
    </body></html>
    
  ),
  "subject": "[Sqreen] Security response: Test Playbook - interview_backend (development)",
  "text": String(
    Security response: Test Playbook
    
    Application: interview_backend (development)
    Source IPs: 127.0.0.1
    Accounts: sqreen@example.com
    Date: 2020-07-17T22:33:26.287038+00:00
    
  ),
}
`

exports[`test/render/email.test.ts > TAP > email of test > must match snapshot 1`] = `
Object {
  "html": String(
    <!DOCTYPE html>
    <html><head><meta charset="utf-8">
    <title>[Sqreen] Test notification from Sqreen - &quot;workorders&quot; (development)</title></head>
    <body style="font-family: sans-serif">
    <h1>Test notification from Sqreen</h1>
    <table cellpadding="4">
    <tr><th align="left" valign="top">Application</th><td>&quot;workorders&quot; (development)</td></tr>
    <tr><th align="left" valign="top">Source IPs</th><td>42.42.42.42</td></tr>
    <tr><th align="left" valign="top">Event</th><td>test / test_kind</td></tr>
    <tr><th align="left" valign="top">Risk</th><td>42</td></tr>
    <tr><th align="left" valign="top">Date</th><td>2019-08-16T18:56:33.080773+00:00</td></tr>
    </table>
    <p><a href="http://test/">Open in Sqreen</a></p>
    </body></html>
    
  ),
  "subject": "[Sqreen] Test notification from Sqreen - \\"workorders\\" (development)",
  "text": String(
    Test notification from Sqreen
    
    Application: "workorders" (development)
    Source IPs: 42.42.42.42
    Event: test / test_kind
    Risk: 42
    Date: 2019-08-16T18:56:33.080773+00:00
    
    Open in Sqreen: http://test/
    
  ),
}
`

exports[`test/render/email.test.ts > TAP > email of unknownType > must match snapshot 1`] = `
Object {
  "html": String(
    <!DOCTYPE html>
    <html><head><meta charset="utf-8">
    <title>[Sqreen] Credential stuffing notification - montres-berger (production)</title></head>
    <body style="font-family: sans-serif">
    <h1>Credential stuffing notification</h1>
    <table cellpadding="4">
    <tr><th align="left" valign="top">Application</th><td>montres-berger (production)</td></tr>
    <tr><th align="left" valign="top">Source IPs</th><td>198.51.100.7 (DEU, Tor)</td></tr>
    <tr><th align="left" valign="top">Blocked</th><td>no</td></tr>
    <tr><th align="left" valign="top">Date</th><td>2021-03-01T10:00:00+00:00</td></tr>
    <tr><th align="left" valign="top">Attempts</th><td>1200</td></tr>
    </table>
    </body></html>
    
  ),
  "subject": "[Sqreen] Credential stuffing notification - montres-berger (production)",
  "text": String(
    Credential stuffing notification
    
    Application: montres-berger (production)
    Source IPs: 198.51.100.7 (DEU, Tor)
    Blocked: no
    Date: 2021-03-01T10:00:00+00:00
    Attempts: 1200
    
  ),
}
`

exports[`test/render/email.test.ts > TAP > templates replace subject and text, escaped > template rendering 1`] = `
Object {
  "html": String(
    <!DOCTYPE html>
    <html><head><meta charset="utf-8">
    <title>Sqreen Security response: Test Playbook:</title></head>
    <body style="font-family: sans-serif">
    <p>Alert for interview_backend (development)</p>
    <p>- sqreen@example.com</p>
    </body></html>
    
  ),
  "subject": "Sqreen Security response: Test Playbook:",
  "text": String(
    Alert for interview_backend (development)
    
    
    - sqreen@example.com
    
  ),
}
`
